"""orders and subscriptions record the blog posts that brought the customer: the first and
the last post read within ATTRIBUTION_DAYS (nullable; SET NULL if a post is ever deleted, the
sale stays)

Revision ID: 26ef8664974f
Revises: 21e34e2011d8
Create Date: 2026-12-07 09:04:07.483682

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "26ef8664974f"
down_revision = "21e34e2011d8"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_touch_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_touch_post_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_order_first_touch_post_id"), ["first_touch_post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_order_last_touch_post_id"), ["last_touch_post_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_order_first_touch_post_id_post"),
            "post",
            ["first_touch_post_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_order_last_touch_post_id_post"), "post", ["last_touch_post_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_touch_post_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_touch_post_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_subscription_first_touch_post_id"), ["first_touch_post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscription_last_touch_post_id"), ["last_touch_post_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_subscription_first_touch_post_id_post"),
            "post",
            ["first_touch_post_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_subscription_last_touch_post_id_post"),
            "post",
            ["last_touch_post_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_subscription_last_touch_post_id_post"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_subscription_first_touch_post_id_post"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_subscription_last_touch_post_id"))
        batch_op.drop_index(batch_op.f("ix_subscription_first_touch_post_id"))
        batch_op.drop_column("last_touch_post_id")
        batch_op.drop_column("first_touch_post_id")

    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_order_last_touch_post_id_post"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_order_first_touch_post_id_post"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_order_last_touch_post_id"))
        batch_op.drop_index(batch_op.f("ix_order_first_touch_post_id"))
        batch_op.drop_column("last_touch_post_id")
        batch_op.drop_column("first_touch_post_id")
