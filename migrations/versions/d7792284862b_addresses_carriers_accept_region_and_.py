"""Addresses carriers accept: a region and a phone on every address

Orders, subscriptions and shipments gain ship_region and ship_phone; a saved address's
region and phone become the same columns, keeping what customers saved.

Revision ID: d7792284862b
Revises: 4c940c56c4d7
Create Date: 2026-11-30 06:35:04.178795

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7792284862b"
down_revision = "4c940c56c4d7"
branch_labels = None
depends_on = None

NEW_COLUMNS = ("order", "shipment", "subscription")


def upgrade():
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.alter_column(
            "region", new_column_name="ship_region", existing_type=sa.String(length=120), server_default=""
        )
        batch_op.alter_column(
            "phone", new_column_name="ship_phone", existing_type=sa.String(length=40), server_default=""
        )

    for table in NEW_COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("ship_region", sa.String(length=120), server_default="", nullable=False))
            batch_op.add_column(sa.Column("ship_phone", sa.String(length=40), server_default="", nullable=False))


def downgrade():
    for table in reversed(NEW_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("ship_phone")
            batch_op.drop_column("ship_region")

    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.alter_column(
            "ship_region", new_column_name="region", existing_type=sa.String(length=120), server_default=None
        )
        batch_op.alter_column(
            "ship_phone", new_column_name="phone", existing_type=sa.String(length=40), server_default=None
        )
