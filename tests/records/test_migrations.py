"""The Alembic chain builds exactly the schema the models describe (no drift), on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from cnocare.records.education.models import is_search_index_table
from cnocare.records.registry import metadata


def test_the_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    with migrated_engine.connect() as connection:
        # SQLite's FTS5 index and its shadow tables come from the migration; no model describes them.
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_name": lambda name, type_, _parent: not (type_ == "table" and is_search_index_table(name))})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_every_model_table_exists_after_upgrade(migrated_engine: Engine) -> None:
    tables = set(inspect(migrated_engine).get_table_names())
    assert set(metadata.tables) - tables == set()
