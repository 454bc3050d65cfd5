"""diary body-map areas and the centre's emergency number

Revision ID: 0011_diary_emergency_number
Revises: 0010_family_access
Create Date: 2026-12-01 22:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_diary_emergency_number'
down_revision: str | None = '0010_family_access'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emergency_number', sa.String(length=32), nullable=True))
    with op.batch_alter_table('diary_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('painful_areas', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('diary_entries', schema=None) as batch_op:
        batch_op.drop_column('painful_areas')
    with op.batch_alter_table('centres', schema=None) as batch_op:
        batch_op.drop_column('emergency_number')
