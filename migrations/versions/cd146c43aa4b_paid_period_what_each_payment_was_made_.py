"""paid period: what each payment was made of (box, shipping, VAT), for receipts

Revision ID: cd146c43aa4b
Revises: be5413bf7a6e
Create Date: 2026-11-30 06:37:05.792580

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "cd146c43aa4b"
down_revision = "be5413bf7a6e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("paid_period", schema=None) as batch_op:
        batch_op.add_column(sa.Column("box_pence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("shipping_pence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("vat_pence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("vat_removed_pence", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("vat_treatment", sa.String(length=32), nullable=True))
        batch_op.create_check_constraint("vattreatment", sa.text("vat_treatment IN ('uk', 'export')"))
    # Payments already taken: split by their subscription's stored price (in proportion when
    # the amount differs), as pricing.split_payment does for new ones.
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT p.id, p.amount_pence, s.total_pence, s.box_pence, s.shipping_pence, s.vat_pence, "
            "s.vat_removed_pence, s.vat_treatment FROM paid_period p JOIN subscription s ON s.id = p.subscription_id"
        )
    ).all()
    for pid, amount, total, box, shipping, vat, removed, treatment in rows:
        if total and amount != total:
            box, shipping, vat, removed = (
                (2 * part * amount + total) // (2 * total) for part in (box, shipping, vat, removed)
            )
            box = amount - shipping
        bind.execute(
            sa.text(
                "UPDATE paid_period SET box_pence = :box, shipping_pence = :shipping, vat_pence = :vat, "
                "vat_removed_pence = :removed, vat_treatment = :treatment WHERE id = :id"
            ),
            {"box": box, "shipping": shipping, "vat": vat, "removed": removed, "treatment": treatment, "id": pid},
        )


def downgrade():
    with op.batch_alter_table("paid_period", schema=None) as batch_op:
        batch_op.drop_constraint("vattreatment", type_="check")
        batch_op.drop_column("vat_treatment")
        batch_op.drop_column("vat_removed_pence")
        batch_op.drop_column("vat_pence")
        batch_op.drop_column("shipping_pence")
        batch_op.drop_column("box_pence")
