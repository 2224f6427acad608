"""subscription: why it was cancelled

Revision ID: 329e2cb6d420
Revises: cd146c43aa4b
Create Date: 2026-11-30 06:54:22.848363

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "329e2cb6d420"
down_revision = "cd146c43aa4b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("cancel_note", sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f("ix_subscription_cancel_reason"), ["cancel_reason"], unique=False)


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscription_cancel_reason"))
        batch_op.drop_column("cancel_note")
        batch_op.drop_column("cancel_reason")
