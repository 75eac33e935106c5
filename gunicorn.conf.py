"""Gunicorn's settings for the web process, each from the environment (the README's table lists them).

    gunicorn -c gunicorn.conf.py wsgi:app     (the image's default command; benchmarks/bench_web.py uses it too)

Options given on the command line win over this file (`-w 4`, `-b 127.0.0.1:8701`).
"""
import math
import os


def _int(name: str, default: int) -> int:
    value = (os.environ.get(name) or "").strip()
    return int(value) if value else default


def _cpus() -> int:
    """CPUs this process may use: the cgroup's CPU limit when there is one (a Kubernetes `resources.limits.cpu`),
    else the CPUs it may be scheduled on. `os.cpu_count()` would count the whole node."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:  # cgroup v2: "max 100000" or "<quota> <period>"
            quota, period = f.read().split()[:2]
        if quota != "max":
            return max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# the cap keeps a pod on a large node (and without a CPU limit) from starting dozens of workers; scale out instead
MAX_DEFAULT_WORKERS = 8

bind = f"0.0.0.0:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", min(2 * _cpus() + 1, MAX_DEFAULT_WORKERS))
# 1: sync workers. More than 1 switches gunicorn to its threaded worker (the tenant context is a ContextVar, so
# each thread has its own).
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 60)
# below Kubernetes' default terminationGracePeriodSeconds (30): requests in flight finish before the SIGKILL
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 25)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# a worker is replaced after about this many requests (the jitter spreads the restarts); 0: never
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# logs go to the container's stdout/stderr; GUNICORN_ACCESSLOG="" turns the access log off
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
# the path without its query string: a search term may be a client's name, and logs hold no personal data
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'
errorlog = "-"
loglevel = (os.environ.get("LOG_LEVEL") or "info").lower()

# Whose X-Forwarded-Proto gunicorn believes, in step with the app's TRUSTED_PROXIES (werkzeug's ProxyFix): behind
# the ingress (TRUSTED_PROXIES >= 1) any peer, since only the ingress reaches the pod and the app counts the hops
# itself; without trusted proxies nobody, so that no client can claim HTTPS. FORWARDED_ALLOW_IPS (gunicorn's own
# variable: a comma-separated list of addresses or networks) overrides both.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or ("*" if _int("TRUSTED_PROXIES", 0) > 0 else "")

# the workers' heartbeat files in memory: a container's /tmp may be a slow overlay filesystem or disk-backed
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None


def child_exit(server, worker):
    """A worker that ended leaves its metric files behind: with PROMETHEUS_MULTIPROC_DIR they are marked dead, so
    that gauges no longer count it (prometheus-client's multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from core.observability import mark_process_dead

        mark_process_dead(worker.pid)
