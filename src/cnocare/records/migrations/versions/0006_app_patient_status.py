"""patient status (active, discharged, transferred, deceased) with its date; merged_into for a duplicate

Revision ID: 0006_app_patient_status
Revises: 0005_treatment
Create Date: 2026-12-01 20:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_app_patient_status"
down_revision: str | None = "0005_treatment"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        # Every patient registered so far is in the clinic's care until someone says otherwise.
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="active"))
        batch.add_column(sa.Column("status_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("merged_into")
        batch.drop_column("status_date")
        batch.drop_column("status")
