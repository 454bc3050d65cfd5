"""real-world records: unreported culture, side and medicine start; censored results; lesion findings
read absent; diagnosis date; dose, route and frequency on a course

Revision ID: 0004_records_real_world
Revises: 0003_security
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_records_real_world"
down_revision: str | None = "0003_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("biopsies") as batch:
        batch.alter_column("culture", existing_type=sa.String(length=16), nullable=True)
    with op.batch_alter_table("medicine_courses") as batch:
        batch.alter_column("start", existing_type=sa.Date(), nullable=True)
        batch.add_column(sa.Column("dose_mg", sa.Float(), nullable=True))
        batch.add_column(sa.Column("route", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("frequency", sa.String(length=60), nullable=True))
    with op.batch_alter_table("lab_results") as batch:
        batch.add_column(sa.Column("comparator", sa.String(length=2), nullable=True))
    with op.batch_alter_table("imaging_lesions") as batch:
        batch.add_column(sa.Column("absent_findings", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("findings_complete", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("diagnosis_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("diagnosis_date")
    with op.batch_alter_table("imaging_lesions") as batch:
        batch.drop_column("findings_complete")
        batch.drop_column("absent_findings")
    with op.batch_alter_table("lab_results") as batch:
        batch.drop_column("comparator")
    with op.batch_alter_table("medicine_courses") as batch:
        batch.drop_column("frequency")
        batch.drop_column("route")
        batch.drop_column("dose_mg")
        batch.alter_column("start", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("biopsies") as batch:
        batch.alter_column("culture", existing_type=sa.String(length=16), nullable=False)
