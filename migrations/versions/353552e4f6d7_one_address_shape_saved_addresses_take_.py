"""one address shape: saved addresses take the ship_* columns of orders and subscriptions; postcodes up to 32 characters everywhere

Revision ID: 353552e4f6d7
Revises: 5b4e07b759fb
Create Date: 2026-11-30 04:47:24.854899

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "353552e4f6d7"
down_revision = "5b4e07b759fb"
branch_labels = None
depends_on = None

# Saved addresses: (old name, new name, old type, new type). Renamed in place, so every
# saved address keeps its values.
RENAMES = [
    ("name", "ship_name", sa.String(length=120), sa.String(length=200)),
    ("line1", "ship_line1", sa.String(length=200), sa.String(length=200)),
    ("line2", "ship_line2", sa.String(length=200), sa.String(length=200)),
    ("city", "ship_city", sa.String(length=120), sa.String(length=120)),
    ("postal_code", "ship_postcode", sa.String(length=20), sa.String(length=32)),
    ("country", "ship_country", sa.String(length=2), sa.String(length=2)),
]


def upgrade():
    with op.batch_alter_table("address", schema=None) as batch_op:
        for old, new, old_type, new_type in RENAMES:
            batch_op.alter_column(
                old, new_column_name=new, existing_type=old_type, type_=new_type, existing_nullable=False
            )

    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.alter_column(
            "ship_postcode", existing_type=sa.String(length=20), type_=sa.String(length=32), existing_nullable=False
        )


def downgrade():
    with op.batch_alter_table("order", schema=None) as batch_op:
        batch_op.alter_column(
            "ship_postcode", existing_type=sa.String(length=32), type_=sa.String(length=20), existing_nullable=False
        )

    with op.batch_alter_table("address", schema=None) as batch_op:
        for old, new, old_type, new_type in RENAMES:
            batch_op.alter_column(
                new, new_column_name=old, existing_type=new_type, type_=old_type, existing_nullable=False
            )
