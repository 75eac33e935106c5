"""What row-level security costs: the case list's SELECT as the runtime role (RLS on, the tenant set once per
transaction) against the same SELECT as the superuser (RLS does not apply), in one run.

    .venv/bin/python benchmarks/bench_rls.py      # after benchmarks/bench_web.py has built bn_bench

Both carry the same `WHERE tenant_id = …`; each round is one transaction, as a request is.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.bench_web import RUNTIME_URL, SUPER_URL  # noqa: E402

SQL = ("SELECT c.id, c.status, c.opened_on, k.pseudonym FROM cases c JOIN clients k ON k.id = c.client_id "
       "WHERE c.tenant_id = %(t)s ORDER BY c.opened_on DESC, c.id DESC LIMIT 50")
ROUNDS = 2000


def timed(url: str, tenant: int, set_tenant: bool, pipelined: bool = False) -> tuple[float, int]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        def one() -> int:
            with conn.transaction():
                if pipelined:  # the setting travels with the query: no round trip of its own
                    with conn.pipeline():
                        conn.execute("SELECT set_config('app.tenant_id', %(t)s, true)", {"t": str(tenant)})
                        cursor = conn.execute(SQL, {"t": tenant})
                    return len(cursor.fetchall())
                if set_tenant:
                    conn.execute("SELECT set_config('app.tenant_id', %(t)s, true)", {"t": str(tenant)})
                return len(conn.execute(SQL, {"t": tenant}).fetchall())

        rows = one()
        start = time.perf_counter()
        for _ in range(ROUNDS):
            one()
        return (time.perf_counter() - start) / ROUNDS * 1e6, rows


def main() -> None:
    import psycopg

    with psycopg.connect(SUPER_URL.replace("postgresql+psycopg://", "postgresql://")) as conn:
        tenant = conn.execute("SELECT id FROM tenants WHERE slug = 'bench-0'").fetchone()[0]
    off, rows_off = timed(SUPER_URL, tenant, set_tenant=False)
    on, rows_on = timed(RUNTIME_URL, tenant, set_tenant=True)
    piped, rows_piped = timed(RUNTIME_URL, tenant, set_tenant=True, pipelined=True)
    assert rows_on == rows_off == rows_piped == 50, (rows_on, rows_off)  # all measure the same answer
    print(f"case list SELECT, {ROUNDS} transactions each")
    print(f"RLS off (superuser):                        {off:8.1f} µs")
    print(f"RLS on, set_config as its own round trip:   {on:8.1f} µs   ratio {on / off:5.2f}")
    print(f"RLS on, set_config pipelined with the query: {piped:7.1f} µs   ratio {piped / off:5.2f}")


if __name__ == "__main__":
    main()
