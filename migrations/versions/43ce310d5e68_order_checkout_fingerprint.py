"""order.checkout_fingerprint: a repeated Pay for the same cart and details finds the order
still waiting for payment, even when the browser never learnt its number

Revision ID: 43ce310d5e68
Revises: 276cb7291e11
Create Date: 2026-11-30 07:12:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "43ce310d5e68"
down_revision = "276cb7291e11"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkout_fingerprint", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_order_checkout_fingerprint"), ["checkout_fingerprint"], unique=False)


def downgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_checkout_fingerprint"))
        batch_op.drop_column("checkout_fingerprint")
