"""Alembic environment: one chain for every cnocare table, driven programmatically by ``records.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from cnocare.records.education.models import is_search_index_table
from cnocare.records.registry import metadata

config = context.config


def _run(connection: Connection) -> None:
    only = config.attributes.get("only_tables")  # lets a revision be generated for one owner's tables

    def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        table = getattr(obj, "table", obj) if type_ != "table" else obj
        return only is None or getattr(table, "name", name) in only

    def include_name(name: str | None, type_: str, _parent: object) -> bool:
        return not (type_ == "table" and is_search_index_table(name))  # SQLite's FTS5 tables: not models

    context.configure(
        include_object=include_object,
        include_name=include_name,
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things in place
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from cnocare.records.db import database_url, make_engine

    engine = make_engine(config.attributes.get("database_url") or database_url())
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run cnocare.records.db.upgrade(url)")
run_migrations_online()
