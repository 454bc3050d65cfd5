"""security, second pass: audit hash chain and signed checkpoints, token ids on events, sealed TOTP secrets

Revision ID: 0003_security
Revises: 0002_accounts_audit
Create Date: 2026-12-01 19:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cnocare.records.audit.models import audit_guard_ddl, audit_guard_drop_ddl

revision: str = '0003_security'
down_revision: str | None = '0002_accounts_audit'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): on SQLite a table copy would drop the append-only triggers.
    op.add_column('audit_events', sa.Column('token_id', sa.Integer(), nullable=True))
    op.add_column('users', sa.Column('totp_secret_sealed', sa.Text(), nullable=True))
    op.add_column('api_tokens', sa.Column('created_by', sa.Integer(), nullable=True))
    op.create_table('audit_chain',
                    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('event_id', sa.Integer(), nullable=False),
                    sa.Column('prev_hash', sa.String(length=64), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_chain')),
                    sa.UniqueConstraint('event_id', name=op.f('uq_audit_chain_event_id')))
    op.create_table('audit_checkpoints',
                    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
                    sa.Column('seq', sa.Integer(), nullable=False),
                    sa.Column('hash', sa.String(length=64), nullable=False),
                    sa.Column('signed_at', sa.DateTime(), nullable=False),
                    sa.Column('key_id', sa.String(length=16), nullable=False),
                    sa.Column('signature', sa.String(length=64), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoints')))
    op.create_index(op.f('ix_audit_checkpoints_seq'), 'audit_checkpoints', ['seq'], unique=False)
    bind = op.get_bind()
    # Events written before this revision join the chain in id order (unsigned until the next checkpoint).
    from cnocare.records.audit.chain import chain_events

    ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM audit_events ORDER BY id"))]
    for start in range(0, len(ids), 5000):
        chain_events(bind, ids[start:start + 5000], checkpoint_every=10**12)
    for table in ('audit_chain', 'audit_checkpoints'):
        for statement in audit_guard_ddl(bind.dialect.name, table):
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    for table in ('audit_chain', 'audit_checkpoints'):
        for statement in audit_guard_drop_ddl(bind.dialect.name, table):
            op.execute(statement)
    op.drop_index(op.f('ix_audit_checkpoints_seq'), table_name='audit_checkpoints')
    op.drop_table('audit_checkpoints')
    op.drop_table('audit_chain')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('created_by')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret_sealed')
    for statement in audit_guard_drop_ddl(bind.dialect.name):
        op.execute(statement)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('token_id')
    for statement in audit_guard_ddl(bind.dialect.name):
        op.execute(statement)
