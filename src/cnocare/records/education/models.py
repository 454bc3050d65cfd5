"""One row per section of the education library, copied from knowledge/data/education.yaml.

The rows are derived data: ``search.sync_education_index`` rewrites them whenever the library's content hash
changes. PostgreSQL searches the ``search_vector`` column (tsvector, GIN index); SQLite an FTS5 table over
these rows (``education_search``), made by the migration, which the models cannot describe.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Dialect, Index, String, Text, UniqueConstraint, event, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

from cnocare.records.base import Base

TABLE = "education_sections"
FTS_TABLE = "education_search"


class SearchVector(TypeDecorator[str]):
    """A tsvector on PostgreSQL; on SQLite an unused text column (FTS5 keeps the index there)."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(TSVECTOR() if dialect.name == "postgresql" else Text())


class EducationSectionRow(Base):
    __tablename__ = TABLE
    __table_args__ = (
        UniqueConstraint("page_id", "anchor", name="uq_education_sections_page_anchor"),
        Index("ix_education_sections_search_vector", "search_vector", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)  # the FTS5 rowid on SQLite
    page_id: Mapped[str] = mapped_column(String(64))
    anchor: Mapped[str] = mapped_column(String(64))
    position: Mapped[int]  # the section's place in the library, for a stable order between equal ranks
    page_title: Mapped[str] = mapped_column(String(200))
    heading: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text())
    content_hash: Mapped[str] = mapped_column(String(64))  # of the library the row was copied from
    search_vector: Mapped[str | None] = mapped_column(SearchVector(), nullable=True)


def fts_create_ddl(dialect: str) -> list[str]:
    """SQLite's full-text index over the rows (external content: it stores no second copy of the text).
    Porter stemming, so "swelling" finds "swollen"'s neighbours "swell", "swells"; accents ignored."""
    if dialect != "sqlite":
        return []
    return [f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(page_title, heading, body, "
            f"content='{TABLE}', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"]


def fts_drop_ddl(dialect: str) -> list[str]:
    return [f"DROP TABLE IF EXISTS {FTS_TABLE}"] if dialect == "sqlite" else []


def is_search_index_table(name: str | None) -> bool:
    """The FTS5 table and the shadow tables SQLite keeps for it (``education_search_data``, ``_idx``...)."""
    return name is not None and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))


def _fts_after_create(_table: Any, connection: Connection, **_kw: Any) -> None:
    # metadata.create_all (tests, a first run without Alembic) gets the FTS5 table too.
    for statement in fts_create_ddl(connection.dialect.name):
        connection.execute(text(statement))


event.listen(EducationSectionRow.__table__, "after_create", _fts_after_create)
