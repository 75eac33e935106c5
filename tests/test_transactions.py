"""The transaction boundary's after-commit queue: kept across a savepoint rolled back inside the transaction,
dropped when the whole transaction rolls back."""


def test_after_commit_work_survives_a_savepoint_rollback(app_ctx):
    from core import transactions
    from core.extensions import db

    ran = []
    transactions.after_commit(lambda: ran.append("first"))
    savepoint = db.session.begin_nested()  # e.g. a reminder already recorded: its insert is undone alone
    savepoint.rollback()
    transactions.after_commit(lambda: ran.append("second"))
    db.session.commit()
    assert ran == ["first", "second"]


def test_after_commit_work_is_dropped_with_the_transaction(app_ctx):
    from sqlalchemy import text

    from core import transactions
    from core.extensions import db

    ran = []
    db.session.execute(text("SELECT 1"))  # the transaction has begun
    transactions.after_commit(lambda: ran.append("never"))
    db.session.rollback()
    db.session.commit()
    assert ran == []


def test_after_commit_work_waits_for_the_real_commit_not_a_savepoint(app_ctx):
    """SQLAlchemy reports a released savepoint as a commit too: queued work must still wait for the outer one."""
    from sqlalchemy import text

    from core import transactions
    from core.extensions import db

    ran = []
    db.session.execute(text("SELECT 1"))
    transactions.after_commit(lambda: ran.append("after"))
    with db.session.begin_nested():  # e.g. the year's first invoice number: a counter row made in a savepoint
        db.session.execute(text("SELECT 1"))
    assert ran == []
    db.session.commit()
    assert ran == ["after"]


def test_after_commit_work_runs_in_the_tenant_that_queued_it(app_ctx, tenant_a):
    """A seed or a CLI command may commit after leaving the tenant: its follow-ups still run inside it."""
    from core import transactions
    from core.extensions import db
    from core.tenancy.context import current_tenant_id

    seen = []
    with tenant_a.context():
        transactions.after_commit(lambda: seen.append(current_tenant_id()))
    assert current_tenant_id() is None
    db.session.commit()
    assert seen == [tenant_a.tenant_id]
