# aseancyber production image: the server (`aseancyber serve`), the background worker
# (`aseancyber worker`) and the one-shot migration (`aseancyber init`) all run from it.
# compose.yaml shows the three together with PostgreSQL; README "Production" explains it.
FROM python:3.11-slim

# WeasyPrint's libraries (PDF reports and advisories) and a font; no compiler is needed,
# every Python dependency ships a wheel.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core gnupg \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The dependencies first, pinned by constraints.txt, so a code change reuses this layer.
COPY pyproject.toml constraints.txt ./
RUN mkdir -p src/aseancyber && touch src/aseancyber/__init__.py \
 && pip install -c constraints.txt -e . \
 && rm -rf src
# The code, the migrations and alembic.ini (`aseancyber init` and /readyz read them from
# the project root, hence the editable install in /app).
COPY alembic.ini ./
COPY migrations ./migrations
COPY src ./src
RUN pip install --no-deps -c constraints.txt -e .

# Never root: the app owns nothing in /app; only /app/var (SQLite, if used) is writable.
RUN useradd --system --uid 10001 --home-dir /app aseancyber \
 && mkdir -p /app/var && chown aseancyber /app/var
USER aseancyber

ENV ASEANCYBER_ENVIRONMENT=production \
    ASEANCYBER_LOG_FORMAT=json
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["aseancyber", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
