"""Alembic environment: runs as the owner role (MIGRATIONS_DATABASE_URL), never as the runtime role."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, pool

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
OWNER_URL = current_app.config["MIGRATIONS_DATABASE_URL"]
# The runtime role that the migrations grant privileges to (the user of DATABASE_URL).
config.attributes["runtime_url"] = current_app.config["SQLALCHEMY_DATABASE_URI"]


def get_metadata():
    return target_db.metadata


def render_item(type_, obj, autogen_context):
    """Keep migration scripts free of application imports: our UTCDateTime is a plain timezone-aware DateTime."""
    from core.models import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_migrations_offline():
    context.configure(url=OWNER_URL, target_metadata=get_metadata(), literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    # batch mode: SQLite cannot ALTER constraints; the same scripts then run on both databases.
    conf_args.setdefault("render_as_batch", True)
    conf_args.setdefault("render_item", render_item)

    connectable = create_engine(OWNER_URL, poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=get_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
