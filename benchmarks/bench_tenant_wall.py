"""What the ORM wall costs: the same query through the wall vs. a plain `WHERE tenant_id = …`, in the same run.

The baseline runs on its own connection with the tenant setting made once (on PostgreSQL row-level security
would otherwise hide every row, and the baseline would measure an empty answer); both must return the row.

    .venv/bin/python benchmarks/bench_tenant_wall.py [DATABASE_URL]

Prints microseconds per query and the ratio (wall / baseline). Uses a throw-away SQLite database unless a URL of an
already migrated database is given.
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    os.environ["DATABASE_URL"] = url
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from core.app import create_app
    from core.audit import Actor
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from network.models import Agency
    from network.services import create_agency
    from tenants import services

    app = create_app()
    with app.app_context():
        upgrade()
        tenant_ids = []
        for n in range(5):
            owner = services.create_user(f"bench{n}@example.org", "long enough password")
            tenant = services.create_tenant(f"bench-{n}", f"Bench {n}", owner, Actor.system("bench"))
            with tenant_context(tenant.id):
                for i in range(200):
                    create_agency({"name": f"Agency {i}"}, Actor.system("bench"))
                db.session.flush()
            tenant_ids.append(tenant.id)
        db.session.commit()
        rounds = 2000
        target = tenant_ids[2]

        def timed(fn):
            fn()
            start = time.perf_counter()
            for _ in range(rounds):
                fn()
            return (time.perf_counter() - start) / rounds * 1e6

        def walled():
            with tenant_context(target):
                return db.session.scalars(select(Agency).where(Agency.name == "Agency 7")).all()

        plain = db.engine.connect()
        plain.begin()
        if plain.dialect.name == "postgresql":
            plain.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(target)})
        table = Agency.__table__

        def baseline():  # hand-written filter, no ORM and no wall (what redash-style code would do)
            return plain.execute(select(table).where(table.c.tenant_id == target, table.c.name == "Agency 7")).all()

        def orm_manual():  # the ORM with a hand-written filter and the wall off (SQLite only: no RLS to hide rows)
            from core.tenancy.context import unscoped

            with unscoped():
                return db.session.scalars(
                    select(Agency).where(Agency.tenant_id == target, Agency.name == "Agency 7")).all()

        assert len(walled()) == 1 and len(baseline()) == 1  # both measure the same answer
        base, wall = timed(baseline), timed(walled)
        plain.close()
        print(f"database: {db.engine.dialect.name}; {rounds} queries each")
        print(f"baseline (Core, manual tenant filter): {base:8.1f} µs/query")
        print(f"ORM through the wall:                  {wall:8.1f} µs/query   ratio {wall / base:5.2f}")
        if db.engine.dialect.name == "sqlite":
            assert len(orm_manual()) == 1
            orm = timed(orm_manual)
            print(f"ORM, manual filter, wall off:          {orm:8.1f} µs/query   ratio {orm / base:5.2f}"
                  f"   (the wall itself: {wall / orm:4.2f}x)")


if __name__ == "__main__":
    main()
