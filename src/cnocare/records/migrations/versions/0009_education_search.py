"""the families' education library as searchable sections: PostgreSQL tsvector + GIN, SQLite FTS5

Revision ID: 0009_education_search
Revises: 0008_jobs_notices_reminders
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cnocare.records.education.models import SearchVector, fts_create_ddl, fts_drop_ddl

revision: str = "0009_education_search"
down_revision: str | None = "0008_jobs_notices_reminders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "education_sections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("page_id", sa.String(length=64), nullable=False),
        sa.Column("anchor", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("page_title", sa.String(length=200), nullable=False),
        sa.Column("heading", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("search_vector", SearchVector(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_education_sections")),
        sa.UniqueConstraint("page_id", "anchor", name="uq_education_sections_page_anchor"),
    )
    op.create_index("ix_education_sections_search_vector", "education_sections", ["search_vector"],
                    postgresql_using="gin")
    # The rows themselves are written by the app (records.education.search.sync_education_index) from
    # the library it ships, and rewritten whenever the library's content changes.
    for statement in fts_create_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in fts_drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index("ix_education_sections_search_vector", table_name="education_sections")
    op.drop_table("education_sections")
