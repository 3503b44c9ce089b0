# SENW CRM — the two commands:
#   make run    the whole CRM on this machine (installs what is missing first)
#   make test   the whole test suite against the real stack
.PHONY: run test bootstrap lint bench

bootstrap:
	./scripts/bootstrap.sh

run: bootstrap
	.venv/bin/python -m sidecar.cli run

test: bootstrap
	./scripts/test.sh

lint:
	.venv/bin/ruff check sidecar tests bench
	find wp-plugin scripts -name '*.php' -print0 | xargs -0 -n1 php -l >/dev/null
