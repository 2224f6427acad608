"""box add-on: an item travelling in a subscriber's next box

Revision ID: 4c940c56c4d7
Revises: 329e2cb6d420
Create Date: 2026-11-30 07:04:47.879057

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4c940c56c4d7"
down_revision = "329e2cb6d420"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "box_add_on",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["order.id"], name=op.f("fk_box_add_on_order_id_order")),
        sa.ForeignKeyConstraint(["shipment_id"], ["shipment.id"], name=op.f("fk_box_add_on_shipment_id_shipment")),
        sa.ForeignKeyConstraint(
            ["subscription_id"], ["subscription.id"], name=op.f("fk_box_add_on_subscription_id_subscription")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_box_add_on")),
        sa.UniqueConstraint("order_id", name=op.f("uq_box_add_on_order_id")),
    )
    with op.batch_alter_table("box_add_on", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_box_add_on_shipment_id"), ["shipment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_box_add_on_subscription_id"), ["subscription_id"], unique=False)


def downgrade():
    with op.batch_alter_table("box_add_on", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_box_add_on_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_box_add_on_shipment_id"))

    op.drop_table("box_add_on")
