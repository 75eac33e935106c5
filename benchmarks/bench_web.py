"""The platform under load, next to a minimal Flask + psycopg app doing the same SELECT (issue 9's table).

    .venv/bin/python benchmarks/bench_web.py [--cases 10000] [--entries 100000] [--tenants 10] [--seconds 10]
                                             [--warmup 2] [--port 8701]   # the baseline on --port + 1

BENCH_DB names the database (default bn_bench), so that two runs on one server do not drop each other's.

Builds its own PostgreSQL database (bn_bench; the test roles bn_owner/bn_app), migrates it as the owner, loads
the data set in bulk as the superuser (one tenant with `--cases` cases and `--entries` service entries, one case
with 200 of them, and the same again spread over the other tenants), starts gunicorn (4 sync workers) for the
platform and for the baseline on loopback, drives each request with concurrent keep-alive clients and prints
requests/s, p50, p99 and the ratio ours ÷ baseline, all measured in the same run.
"""
import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB = os.environ.get("BENCH_DB", "bn_bench")
OWNER_URL = f"postgresql+psycopg://bn_owner:owner@127.0.0.1:5432/{DB}"
RUNTIME_URL = f"postgresql+psycopg://bn_app:app@127.0.0.1:5432/{DB}"
SUPER_URL = ADMIN.rsplit("/", 1)[0] + f"/{DB}"
PASSWORD = "benchmark-password"


def create_database() -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for role, pw in (("bn_owner", "owner"), ("bn_app", "app")):
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            conn.execute(text(f"{'ALTER' if exists else 'CREATE'} ROLE {role} LOGIN PASSWORD '{pw}' NOSUPERUSER "
                              "NOBYPASSRLS"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DB}" OWNER bn_owner'))
    admin.dispose()


def build(cases: int, entries: int, tenants: int) -> dict:
    """Tenants, users and tokens through the services; clients, cases and entries in bulk SQL."""
    os.environ.update(DATABASE_URL=RUNTIME_URL, MIGRATIONS_DATABASE_URL=OWNER_URL, PASSWORD_HASH_PROFILE="cheapest",
                      SECRET_KEY="bench-secret-key-bench-secret-key", RATELIMIT_ENABLED="false")
    from flask_migrate import upgrade
    from sqlalchemy import create_engine, select, text

    from core.app import create_app
    from core.audit import Actor
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants import services
    from tenants.models import Membership
    from tenants.tokens import issue_api_token

    app = create_app({"SQLALCHEMY_DATABASE_URI": RUNTIME_URL, "MIGRATIONS_DATABASE_URL": OWNER_URL})
    actor = Actor.system("bench")
    with app.app_context():
        upgrade()
        made = []
        for n in range(tenants):
            owner = services.create_user(f"owner{n}@bench.example.org", PASSWORD)
            tenant = services.create_tenant(f"bench-{n}", f"Bench {n}", owner, actor)
            with tenant_context(tenant.id):
                membership = db.session.scalar(select(Membership).where(Membership.user_id == owner.id))
                token, _row = issue_api_token(membership)
                db.session.flush()
            made.append({"id": tenant.id, "slug": tenant.slug, "user": owner.id, "email": owner.email,
                         "token": token})
        db.session.commit()
    engine = create_engine(SUPER_URL)  # the superuser: row-level security does not apply, bulk is fast
    with engine.begin() as conn:
        for index, t in enumerate(made):
            n_cases = cases if index == 0 else max(cases // 10, 10)
            n_entries = entries if index == 0 else max(entries // 10, 200)
            area = conn.execute(text("SELECT min(id) FROM service_areas WHERE tenant_id = :t"), {"t": t["id"]}).scalar()
            conn.execute(text("""
                INSERT INTO clients (tenant_id, pseudonym, first_name, last_name, phone, email, receives_sgb2,
                                     confidential_note, restricted, search_text, created_at, updated_at)
                SELECT :t, 'K-' || :t || '-' || g, 'Vorname' || g, 'Nachname' || g, '', '', false, '', false,
                       'vorname' || g || ' nachname' || g || ' k-' || :t || '-' || g, now(), now()
                FROM generate_series(1, :n) g"""), {"t": t["id"], "n": n_cases})
            conn.execute(text("""
                INSERT INTO cases (tenant_id, client_id, case_manager_id, status, opened_on, confidential_note,
                                   created_at, updated_at)
                SELECT c.tenant_id, c.id, :u,
                       (ARRAY['intake', 'assessment', 'planning', 'active', 'evaluation'])[1 + c.id % 5],
                       DATE '2026-01-01' + (c.id % 300), '', now(), now()
                FROM clients c WHERE c.tenant_id = :t"""), {"t": t["id"], "u": t["user"]})
            first_case = conn.execute(text("SELECT min(id) FROM cases WHERE tenant_id = :t"), {"t": t["id"]}).scalar()
            t["case"] = first_case
            conn.execute(text("""
                INSERT INTO service_entries (tenant_id, case_id, "on", minutes, service_area_id, direct, note,
                                             created_at, updated_at)
                SELECT :t, CASE WHEN g <= 200 THEN :first ELSE :first + (g % :n) END,
                       DATE '2026-01-01' + (g % 300), 15 + g % 60, :a, true, 'Beratung ' || g, now(), now()
                FROM generate_series(1, :m) g"""),
                         {"t": t["id"], "first": first_case, "n": n_cases, "m": n_entries, "a": area})
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return made[0]


def serve(module: str, port: int, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen(
        [os.path.join(ROOT, ".venv", "bin", "gunicorn"), "-c", "gunicorn.conf.py", "-w", "4", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", module], cwd=ROOT, env={**os.environ, **env})
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{module} did not start on {port}")


def drive(port: int, path: str, headers: dict, seconds: float, clients: int = 8) -> dict:
    """`clients` keep-alive connections sending `path` for `seconds`; requests/s and latency percentiles."""
    latencies: list[float] = []
    statuses: set[int] = set()
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        while time.perf_counter() < stop:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - start)
            statuses.add(response.status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {"rps": len(latencies) / seconds, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000, "statuses": statuses}


def login_cookie(port: int, t: dict) -> str:
    """A session cookie of the platform (through the real login form)."""
    import re

    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", f"/login?tenant={t['slug']}")
    page = conn.getresponse()
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode())[1]
    from urllib.parse import urlencode

    body = urlencode({"csrf_token": token, "tenant": t["slug"], "email": t["email"], "password": PASSWORD})
    conn.request("POST", f"/login?tenant={t['slug']}", body=body,
                 headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    return answer.getheader("Set-Cookie").split(";", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--tenants", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8701")),
                        help="the platform's port; the baseline listens on the next one")
    parser.add_argument("--warmup", type=float, default=2,
                        help="seconds of unmeasured requests first (workers import, compile templates, connect)")
    parser.add_argument("--build-only", action="store_true",
                        help="build the data set and stop (benchmarks/profile_requests.py --reuse profiles it)")
    args = parser.parse_args()
    ours_port, base_port = args.port, args.port + 1
    create_database()
    t = build(args.cases, args.entries, args.tenants)
    if args.build_only:
        print(json.dumps({"tenant": t["slug"], "case": t["case"]}))
        return
    env = {"DATABASE_URL": RUNTIME_URL, "SECRET_KEY": "bench-secret-key-bench-secret-key",
           "RATELIMIT_ENABLED": "false", "BENCH_TENANT": str(t["id"]), "BENCH_DATABASE_URL": SUPER_URL}
    ours = serve("wsgi:app", ours_port, env)
    base = serve("benchmarks.baseline_app:app", base_port, env)
    try:
        cookie = login_cookie(ours_port, t)
        api = {"Authorization": f"Bearer {t['token']}"}
        page = {"Cookie": cookie}
        rows = [
            ("GET /api/v1/cases?limit=50", "/api/v1/cases?limit=50", api, "/cases"),
            ("GET /api/v1/cases/{id}/services (200)", f"/api/v1/cases/{t['case']}/services?limit=200", api,
             f"/services/{t['case']}"),
            ("case list page", f"/{t['slug']}/cases/", page, "/cases"),
            ("case list, search + filter", f"/{t['slug']}/cases/?q=nachname12&status=active", page,
             "/cases?q=nachname12&status=active"),
            ("case file page (200 entries)", f"/{t['slug']}/cases/{t['case']}", page, f"/services/{t['case']}"),
        ]
        print(f"data: {args.cases} cases and {args.entries} service entries in the measured tenant, "
              f"{args.tenants} tenants; {args.seconds:.0f} s per request, 8 clients, gunicorn -w 4")
        print(f"{'request':40} {'ours r/s':>9} {'base r/s':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7}")
        for label, path, headers, base_path in rows:
            drive(ours_port, path, headers, args.warmup)
            drive(base_port, base_path, {}, args.warmup)
            mine = drive(ours_port, path, headers, args.seconds)
            theirs = drive(base_port, base_path, {}, args.seconds)
            assert mine["statuses"] == {200}, (label, mine["statuses"])
            print(f"{label:40} {mine['rps']:9.0f} {theirs['rps']:9.0f} {mine['rps'] / theirs['rps']:6.2f} "
                  f"{mine['p50']:7.1f} {mine['p99']:7.1f}")
    finally:
        for proc in (ours, base):
            proc.terminate()
            proc.wait()
    print(json.dumps({"tenant": t["slug"]}))


if __name__ == "__main__":
    main()
