"""Discount codes on the Culture Box: how many payments a code applies to

A code's duration (once, repeating for its first duration_payments payments, forever); a
subscription keeps the discount it was sold with; a redemption belongs to an order or a
subscription.

Revision ID: 5ff28313a85f
Revises: d7792284862b
Create Date: 2026-11-30 06:46:55.998109

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5ff28313a85f"
down_revision = "d7792284862b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("discount_code", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "duration",
                sa.Enum(
                    "once",
                    "repeating",
                    "forever",
                    name="discountduration",
                    native_enum=False,
                    create_constraint=False,
                    length=32,
                ),
                server_default="once",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("duration_payments", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("discountduration", sa.text("duration IN ('once', 'repeating', 'forever')"))
        batch_op.create_check_constraint(
            "repeating_has_payments",
            sa.text("(duration = 'repeating') = (duration_payments IS NOT NULL AND duration_payments > 1)"),
        )

    with op.batch_alter_table("discount_redemption", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subscription_id", sa.Integer(), nullable=True))
        batch_op.alter_column("order_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_discount_redemption_subscription_id"), ["subscription_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_discount_redemption_subscription_id_subscription"),
            "subscription",
            ["subscription_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "order_or_subscription", sa.text("(order_id IS NULL) <> (subscription_id IS NULL)")
        )

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discount_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("discount_pence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("discount_payments", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("discount_payments")
        batch_op.drop_column("discount_pence")
        batch_op.drop_column("discount_code")

    op.execute("DELETE FROM discount_redemption WHERE order_id IS NULL")
    with op.batch_alter_table("discount_redemption", schema=None) as batch_op:
        batch_op.drop_constraint("order_or_subscription", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_discount_redemption_subscription_id_subscription"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_discount_redemption_subscription_id"), type_="unique")
        batch_op.alter_column("order_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("subscription_id")

    with op.batch_alter_table("discount_code", schema=None) as batch_op:
        batch_op.drop_constraint("repeating_has_payments", type_="check")
        batch_op.drop_constraint("discountduration", type_="check")
        batch_op.drop_column("duration_payments")
        batch_op.drop_column("duration")
