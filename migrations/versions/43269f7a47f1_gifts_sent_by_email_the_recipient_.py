"""Gifts sent by email: the recipient claims them with a link

The recipient's email and the giver's name, the nonce of the claim link, when it was claimed
and the account of whoever claimed it.

Revision ID: 43269f7a47f1
Revises: 5ff28313a85f
Create Date: 2026-11-30 07:01:45.003807

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "43269f7a47f1"
down_revision = "5ff28313a85f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recipient_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("gift_from", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("claim_nonce", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("recipient_user_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_subscription_recipient_user_id"), ["recipient_user_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_subscription_recipient_user_id_user_account"), "user_account", ["recipient_user_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_subscription_recipient_user_id_user_account"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_subscription_recipient_user_id"))
        batch_op.drop_column("recipient_user_id")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("claim_nonce")
        batch_op.drop_column("gift_from")
        batch_op.drop_column("recipient_email")
