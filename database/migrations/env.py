"""Alembic environment: runs on the connection handed over by database.engine.upgrade."""

from __future__ import annotations

from alembic import context

import database.all_models  # noqa: F401 - every table on Base.metadata
from database.models import Base

target_metadata = Base.metadata
config = context.config

connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - developer use through the alembic command
    from sqlalchemy import create_engine

    url = config.get_main_option("sqlalchemy.url") or "sqlite:///baoxue.sqlite3"
    engine = create_engine(url)
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
