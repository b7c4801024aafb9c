# The clinic bot as one small image (docs/deployment.md): python:3.11-slim, dependencies from
# requirements.lock (hash-checked), the bot as a wheel carrying the shipped FAQ, config and
# catalogs, run as an unprivileged user. State (the SQLite database, caches) lives in VAR_DIR,
# a volume: mount one, or the database is lost with the container.
#
#   docker build -t clinic-bot .
#   docker run -p 8080:8080 -v clinic-bot-data:/var/lib/clinic-bot \
#     -e LINE_CHANNEL_SECRET=... -e LINE_CHANNEL_ACCESS_TOKEN=... clinic-bot
#
# The clinic's own content: mount its folders at /srv/clinic-bot/faq and /srv/clinic-bot/config
# (the working directory, found there before the shipped copies), or set FAQ_DIR / CONFIG_DIR.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
COPY requirements.lock /src/
RUN /opt/venv/bin/pip install --require-hashes -r /src/requirements.lock
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY faq /src/faq
COPY config /src/config
COPY locales /src/locales
RUN /opt/venv/bin/pip wheel --no-deps -w /dist /src \
 && /opt/venv/bin/pip install --no-deps /dist/clinic_bot-*.whl \
 && /opt/venv/bin/pip check

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /srv/clinic-bot clinic \
 && mkdir -p /var/lib/clinic-bot \
 && chown clinic:clinic /var/lib/clinic-bot
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VAR_DIR=/var/lib/clinic-bot \
    PORT=8080
USER clinic
WORKDIR /srv/clinic-bot
VOLUME ["/var/lib/clinic-bot"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["python", "-c", "import os, urllib.request as r; r.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=4)"]
CMD ["clinic-bot", "serve"]
