# The sidecar image: API (gunicorn), workers and scheduler all run from it,
# with the dependencies pinned in constraints.txt (what the suite ran with).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
COPY pyproject.toml constraints.txt ./
COPY sidecar ./sidecar
COPY sql ./sql
RUN pip install -c constraints.txt . && useradd --system --home /app senw
USER senw
EXPOSE 8090
CMD ["gunicorn", "--bind", "0.0.0.0:8090", "--workers", "2", "--timeout", "60", "sidecar.app:create_app()"]
