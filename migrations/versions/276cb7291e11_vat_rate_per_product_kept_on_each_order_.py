"""VAT rate per product (standard or zero), kept on each order line; magazines zero-rated

Order lines placed before this were all charged at the standard rate, so they keep 20.

Revision ID: 276cb7291e11
Revises: 43269f7a47f1
Create Date: 2026-11-30 06:39:29.019189

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "276cb7291e11"
down_revision = "43269f7a47f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vat_rate_percent", sa.Integer(), server_default="20", nullable=False))

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "vat_rate",
                sa.Enum("standard", "zero", name="vatrate", native_enum=False, create_constraint=True, length=32),
                server_default="standard",
                nullable=False,
            )
        )
    # Printed magazines are zero-rated in the UK.
    op.execute(
        "UPDATE product SET vat_rate = 'zero' WHERE category_id IN (SELECT id FROM category WHERE slug = 'magazines')"
    )


def downgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_product_vatrate"), type_="check")
        batch_op.drop_column("vat_rate")

    with op.batch_alter_table("order_line", schema=None) as batch_op:
        batch_op.drop_column("vat_rate_percent")
