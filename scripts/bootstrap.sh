#!/usr/bin/env bash
# Makes this machine able to run SENW CRM: installs what is missing (Debian
# packages, the Python environment, a project-local WordPress), and starts
# MariaDB and Redis when they are not already running. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*"; }
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# 1. Debian packages --------------------------------------------------------
PKGS=(mariadb-server mariadb-client redis-server php-cli php-mysql php-curl php-mbstring php-xml php-zip
      wordpress chromium python3-venv curl)
# Node.js and npm build the plugin's front-end bundles (wp-plugin/js-src); a
# machine that already has them (any source) keeps its own.
command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # policy-rc.d keeps the package scripts from starting services we start ourselves
  $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. MariaDB ----------------------------------------------------------------
db_up() { mariadb-admin --protocol=tcp -h127.0.0.1 -P3306 -uroot ping >/dev/null 2>&1; }
if ! db_up; then
  log "starting MariaDB"
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null || true
  if [ ! -d /var/lib/mysql/mysql ]; then $SUDO mariadb-install-db --user=mysql >/dev/null; fi
  ($SUDO mariadbd --user=mysql >/tmp/senw-mariadb.log 2>&1 &)
  for _ in $(seq 1 60); do db_up && break; sleep 0.5; done
  db_up || { echo "MariaDB did not start; see /tmp/senw-mariadb.log" >&2; exit 1; }
fi

# 3. Redis ------------------------------------------------------------------
# With AOF (fsync every second): a Redis that dies keeps its queued jobs. The
# database decides what is done either way (sidecar/recovery.py).
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis (AOF in /var/lib/senw-redis)"
  $SUDO mkdir -p /var/lib/senw-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly yes \
    --appendfsync everysec --dir /var/lib/senw-redis --logfile /tmp/senw-redis.log
  for _ in $(seq 1 40); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.25; done
elif [ "$(redis-cli -p 6379 config get appendonly 2>/dev/null | tail -1)" != "yes" ]; then
  log "turning on AOF in the running Redis"
  redis-cli -p 6379 config set appendonly yes >/dev/null 2>&1 \
    || log "could not turn on AOF (Redis refused CONFIG SET); queued jobs are rebuilt from the database after a Redis restart"
fi

# 4. Python environment -----------------------------------------------------
PY=${PYTHON:-python3}
stamp=.venv/.senw-installed
want=$(cat pyproject.toml constraints.txt | sha1sum | cut -d' ' -f1)
if [ ! -x .venv/bin/python ]; then log "creating .venv"; "$PY" -m venv .venv; fi
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing the Python project into .venv"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  # Pinned: the versions in constraints.txt are the ones the suite passed with.
  .venv/bin/pip install -q -c constraints.txt -e '.[test]'
  echo "$want" > "$stamp"
fi

# 5. WordPress (Debian's package, copied project-local) ----------------------
if [ ! -f .wp/wp-load.php ]; then
  log "copying WordPress from /usr/share/wordpress into .wp/"
  rm -rf .wp && mkdir -p .wp
  cp -rL /usr/share/wordpress/. .wp/
  rm -f .wp/.htaccess
fi
cp scripts/wp-config.php .wp/wp-config.php
ln -sfn "$ROOT/wp-plugin" .wp/wp-content/plugins/senw-crm
mkdir -p .wp/wp-content/uploads
# 6. Front-end bundles (npm packages, built here, shipped with the plugin) ---
js=wp-plugin/js-src
jswant=$(cat $js/package.json $js/package-lock.json $js/build.mjs $js/entries/* 2>/dev/null | sha1sum | cut -d' ' -f1)
if [ ! -f wp-plugin/assets/build/.senw-built ] || [ "$(cat wp-plugin/assets/build/.senw-built)" != "$jswant" ]; then
  log "building the plugin's front-end bundles"
  (cd $js && npm ci --no-audit --no-fund --loglevel=error >/dev/null && npm run build --silent)
  echo "$jswant" > wp-plugin/assets/build/.senw-built
fi
log "ready"
