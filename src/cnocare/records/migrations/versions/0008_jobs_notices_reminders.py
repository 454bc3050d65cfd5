"""the job queue of the embedded backend (jobs), in-app notices (notices) and the family's reminder
schedules (reminder_schedules)

Revision ID: 0008_jobs_notices_reminders
Revises: 0007_family_diary_alerts
Create Date: 2026-12-01 22:29:32.436263
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_jobs_notices_reminders'
down_revision: str | None = '0007_family_diary_alerts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kwargs', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(), nullable=False),
    sa.Column('locked_by', sa.String(length=120), nullable=True),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('todo', 'doing', 'done', 'failed')", name=op.f('ck_jobs_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_jobs_dedupe_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_status_run_after', ['status', 'run_after'], unique=False)

    op.create_table('notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_notices_patient_id_patients')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_user_unread', ['user_id', 'read_at'], unique=False)

    op.create_table('reminder_schedules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('patient_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('medicine_record_id', sa.String(length=36), nullable=True),
    sa.Column('daily_time', sa.Time(), nullable=True),
    sa.Column('every_hours', sa.Float(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('grace_minutes', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('stopped_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('last_reminded_due', sa.DateTime(), nullable=True),
    sa.CheckConstraint("kind = 'diary' OR medicine_record_id IS NOT NULL",
                       name=op.f('ck_reminder_schedules_medicine_named')),
    sa.CheckConstraint("kind IN ('diary', 'medicine')", name=op.f('ck_reminder_schedules_kind')),
    sa.CheckConstraint('(daily_time IS NULL) <> (every_hours IS NULL)', name=op.f('ck_reminder_schedules_one_rule')),
    sa.ForeignKeyConstraint(['patient_id'], ['patients.id'], name=op.f('fk_reminder_schedules_patient_id_patients')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_schedules'))
    )
    with op.batch_alter_table('reminder_schedules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_schedules_patient_id'), ['patient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reminder_schedules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_schedules_patient_id'))

    op.drop_table('reminder_schedules')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index('ix_notices_user_unread')

    op.drop_table('notices')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_status_run_after')

    op.drop_table('jobs')
