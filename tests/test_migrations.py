"""The migration history: one head, and the schema it builds is exactly what the models declare."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory


def test_history_has_a_single_head(app):
    """Do the migrations end in one head (branches of parallel work joined by a merge revision)?"""
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_migrated_schema_matches_the_models(app, owner_engine):
    """Would `flask db migrate` find anything to add? (A model change without its migration fails here.)"""
    from core.extensions import db

    with owner_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [d for d in compare_metadata(context, db.metadata) if not _ignorable(d)]
    assert diff == []


def _ignorable(entry) -> bool:
    # alembic's own bookkeeping table is not a model
    return isinstance(entry, tuple) and entry[0] == "remove_table" and entry[1].name == "alembic_version"


