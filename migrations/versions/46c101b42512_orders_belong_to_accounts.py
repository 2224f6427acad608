"""orders belong to accounts: a nullable order.user_id (SET NULL when the account is
deleted; the anonymised order stays for the books)

Revision ID: 46c101b42512
Revises: 90f6abaed7cf
Create Date: 2026-11-26 12:56:23.416653

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "46c101b42512"
down_revision = "90f6abaed7cf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_order_user_id"), ["user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_order_user_id_user_account"), "user_account", ["user_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_user_id_user_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_order_user_id"))
        batch_op.drop_column("user_id")
