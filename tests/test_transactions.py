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
