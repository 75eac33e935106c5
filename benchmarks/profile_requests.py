"""Per-request cost of issue 9's five requests, in-process: milliseconds, SQL statements and a profile.

    BENCH_DB=bn_perf .venv/bin/python benchmarks/bench_web.py --build-only     # the data set, once
    BENCH_DB=bn_perf .venv/bin/python benchmarks/profile_requests.py [--rounds 50] [--profile "case file"]

Runs the platform's app over the Flask test client on the data set of benchmarks/bench_web.py (the runtime role,
row-level security on), logged in through the real login form and with a real bearer token. For each request it
prints the median and p90 over `--rounds` (after warm-up), the median CPU time of this process (what load on
the machine disturbs less), the Python function calls of one request (what load does not disturb at all), the
statements sent per request, the time spent waiting for their answers and the size of the answer. `--profile
LABEL` adds the cProfile (CPU time) of that request's rounds, top entries by own and by cumulative time; `--sql`
prints the statements. No gunicorn: figures that still compare on a busy machine.
"""
import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks.bench_web import OWNER_URL, PASSWORD, RUNTIME_URL, SUPER_URL  # noqa: E402


def _facts() -> dict:
    """The measured tenant of the data set (bench-0), its owner and its first case (200 entries)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(SUPER_URL)
    with engine.connect() as conn:
        tenant_id = conn.execute(text("SELECT id FROM tenants WHERE slug = 'bench-0'")).scalar_one()
        case_id = conn.execute(text("SELECT min(id) FROM cases WHERE tenant_id = :t"), {"t": tenant_id}).scalar()
        entries = conn.execute(text("SELECT count(*) FROM service_entries WHERE case_id = :c"), {"c": case_id}).scalar()
        cases = conn.execute(text("SELECT count(*) FROM cases WHERE tenant_id = :t"), {"t": tenant_id}).scalar()
    engine.dispose()
    return {"tenant": tenant_id, "slug": "bench-0", "email": "owner0@bench.example.org", "case": case_id,
            "entries": entries, "cases": cases}


def _token(app, facts) -> str:
    from sqlalchemy import select

    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tenants.models import Membership, User
    from tenants.tokens import issue_api_token

    with app.app_context(), tenant_context(facts["tenant"]):
        user = db.session.scalar(select(User).where(User.email == facts["email"]))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == user.id))
        token, _row = issue_api_token(membership)
        db.session.commit()
    return token


def _login(client, facts) -> None:
    page = client.get(f"/login?tenant={facts['slug']}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    answer = client.post(f"/login?tenant={facts['slug']}", data={
        "csrf_token": csrf, "tenant": facts["slug"], "email": facts["email"], "password": PASSWORD})
    assert answer.status_code in (302, 303), answer.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--profile", default="", help="label (or part of it) of the request to profile")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime,cumulative")
    parser.add_argument("--sql", action="store_true", help="print the statements of one round of each request")
    parser.add_argument("--only", default="", help="measure only the requests whose label contains this")
    parser.add_argument("--gc", choices=("on", "freeze", "off"), default="freeze",
                        help="the garbage collector as in a worker (wsgi.py freezes the app's objects), or off")
    args = parser.parse_args()
    os.environ.update(DATABASE_URL=RUNTIME_URL, MIGRATIONS_DATABASE_URL=OWNER_URL,
                      SECRET_KEY="bench-secret-key-bench-secret-key", RATELIMIT_ENABLED="false", LOG_LEVEL="WARNING")
    from sqlalchemy import event

    from core.app import create_app
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": RUNTIME_URL, "MIGRATIONS_DATABASE_URL": OWNER_URL})
    import gc

    if args.gc == "freeze":
        gc.collect()
        gc.freeze()
    elif args.gc == "off":
        gc.disable()
    facts = _facts()
    token = _token(app, facts)
    client = app.test_client()
    _login(client, facts)
    api = {"Authorization": f"Bearer {token}"}
    slug, case = facts["slug"], facts["case"]
    requests = [
        ("GET /api/v1/cases?limit=50", "/api/v1/cases?limit=50", api),
        (f"GET /api/v1/cases/{{id}}/services ({min(facts['entries'], 200)})",
         f"/api/v1/cases/{case}/services?limit=200", api),
        ("case list page", f"/{slug}/cases/", {}),
        ("case list, search + filter", f"/{slug}/cases/?q=nachname12&status=active", {}),
        (f"case file page ({facts['entries']} entries)", f"/{slug}/cases/{case}", {}),
    ]
    with app.app_context():
        engine = db.engine
    sql = {"n": 0, "seconds": 0.0, "log": None}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bn_started"] = time.perf_counter()
        sql["n"] += 1
        if sql["log"] is not None:
            sql["log"].append(" ".join(statement.split())[:300])

    def after(conn, cursor, statement, parameters, context, executemany):
        sql["seconds"] += time.perf_counter() - conn.info.pop("bn_started")

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    print(f"data: {facts['cases']} cases in the measured tenant, its first case with {facts['entries']} entries; "
          f"{args.rounds} rounds each, in-process (Flask test client), PostgreSQL as the runtime role")
    print(f"{'request':40} {'median ms':>9} {'p90 ms':>7} {'CPU ms':>7} {'calls':>7} {'SQL':>4} {'SQL ms':>7} "
          f"{'bytes':>7}")
    for label, path, headers in requests:
        if args.only and args.only.lower() not in label.lower():
            continue
        for _ in range(3):  # warm-up: templates compiled, caches filled
            warm = client.get(path, headers=headers)
            assert warm.status_code == 200, (label, warm.status_code, warm.get_data(as_text=True)[:500])
        if args.sql:
            sql["log"] = []
            client.get(path, headers=headers)
            print(label, *sql["log"], sep="\n    ")
            sql["log"] = None
        counter = cProfile.Profile()  # Python function calls of one request: a figure that load does not move
        counter.enable()
        client.get(path, headers=headers)
        counter.disable()
        calls = pstats.Stats(counter).total_calls
        wanted = args.profile and args.profile.lower() in label.lower()
        profiler = cProfile.Profile(time.process_time) if wanted else None
        times, cpus, counts, sql_times = [], [], [], []
        size = 0
        for _ in range(args.rounds):
            sql.update(n=0, seconds=0.0)
            start, cpu = time.perf_counter(), time.process_time()
            if profiler:
                profiler.enable()
            response = client.get(path, headers=headers)
            if profiler:
                profiler.disable()
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            counts.append(sql["n"])
            sql_times.append(sql["seconds"])
            size = len(response.get_data())
        times.sort()
        median, p90 = statistics.median(times) * 1000, times[int(len(times) * 0.9) - 1] * 1000
        print(f"{label:40} {median:9.1f} {p90:7.1f} {statistics.median(cpus) * 1000:7.1f} {calls:7d} "
              f"{max(counts):4d} {statistics.median(sql_times) * 1000:7.1f} {size:7d}")
        if profiler:
            for key in args.sort.split(","):
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(args.top)
                print(out.getvalue())


if __name__ == "__main__":
    main()
