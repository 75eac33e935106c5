# syntax=docker/dockerfile:1
# One image for every process of the platform; the command chooses which:
#   web      gunicorn -c gunicorn.conf.py wsgi:app        (the default; settings from the environment, see README)
#   worker   celery -A core.celery_worker worker --loglevel=INFO
#   beat     celery -A core.celery_worker beat --loglevel=INFO --schedule /tmp/celerybeat-schedule
#            (exactly one; /app is read-only to the app user, so the schedule file goes to /tmp)
#   migrate  flask --app wsgi db upgrade                   (with MIGRATIONS_DATABASE_URL, the owner role)
# Build: docker build -t buendnisnetz .    The base matches CI's Debian 12 (bookworm): the system packages of
# .ci/system-packages.txt are the ones the test suite ran against.

# --- assets: the front-end packages of core/assets/package-lock.json (KERN UX, htmx), as .ci/setup installs them;
# only the copied files of core/static/vendor/ leave this stage (axe-core, a dev dependency for the tests, does not)
FROM node:20-bookworm-slim AS assets
WORKDIR /assets
COPY core/assets/package.json core/assets/package-lock.json core/assets/vendor.sh ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && sh vendor.sh /assets/vendor

# --- builder: compilers and pip, never shipped ----------------------------------------------------------------
FROM python:3.11-slim-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# a C toolchain for any dependency without a wheel for the target architecture (bookworm's meta package keeps its
# version for the release's life; the run-time packages below are not pinned: security updates replace them)
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential=12.9 \
 && rm -rf /var/lib/apt/lists/*
ENV PIP_DISABLE_PIP_VERSION_CHECK=1
# The dependencies first, in a layer that changes only with pyproject.toml: installed from pyproject.toml alone
# (its package list then finds no package, so the project's own distribution is empty and removed again). The
# code itself runs from /app, as in development (wsgi.py, migrations/ and the packages side by side).
COPY pyproject.toml /deps/
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir "/deps[prod]" \
 && /opt/venv/bin/pip uninstall -y buendnisnetz
COPY . /app/
COPY --from=assets /assets/vendor /app/core/static/vendor
# German is the default UI language: compile every package's catalogue; byte-compile the code once here, as the
# final image runs with PYTHONDONTWRITEBYTECODE and a read-only /app
RUN for dir in core tenants network cases contracts billing; do \
      if [ -d "/app/$dir/translations" ]; then /opt/venv/bin/pybabel compile -f -d "/app/$dir/translations"; fi; \
    done \
 && /opt/venv/bin/python -m compileall -q /app

# --- final: the run-time system packages, the venv and the code; no compilers ---------------------------------
FROM python:3.11-slim-bookworm
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# the system packages of .ci/system-packages.txt, the same list that .ci/setup installs (one a line, # comments)
COPY .ci/system-packages.txt /tmp/system-packages.txt
RUN apt-get update \
 && sed 's/#.*//' /tmp/system-packages.txt | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/system-packages.txt
# an unprivileged user with a fixed uid (securityContext.runAsUser: 10001), owning only its data folder
RUN groupadd --system --gid 10001 app \
 && useradd --system -l --uid 10001 --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
 && install -d -o app -g app -m 0750 /var/lib/buendnisnetz
COPY --from=builder /opt/venv /opt/venv
COPY --from=builder /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    INSTANCE_DIR=/var/lib/buendnisnetz \
    HOME=/home/app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# no HEALTHCHECK: Kubernetes probes /healthz and /readyz (helm/), and the worker and beat serve no HTTP
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
