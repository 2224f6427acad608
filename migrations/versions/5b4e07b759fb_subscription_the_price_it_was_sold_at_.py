"""subscription: the price it was sold at (box, shipping, VAT per payment), backfilled from today's quote

Revision ID: 5b4e07b759fb
Revises: 422ac4b2f591
Create Date: 2026-11-30 04:41:01.483244

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5b4e07b759fb"
down_revision = "422ac4b2f591"
branch_labels = None
depends_on = None

PRICE_COLUMNS = ("box_pence", "shipping_pence", "vat_pence", "vat_removed_pence", "total_pence")
# The VAT rule as it stands at this revision (kept here so the migration never changes
# with the code): the UK VAT area pays 20% VAT inclusive; elsewhere it is taken off.
UK_VAT_AREA = {"GB", "IM"}


def _vat_in_gross(gross):
    return (2 * gross * 20 + 120) // 240


def _quote(price_pence, months, zone_shipping_pence, country):
    shipping = zone_shipping_pence * months
    if country.upper() in UK_VAT_AREA:
        box_vat, shipping_vat = _vat_in_gross(price_pence), _vat_in_gross(shipping)
        return dict(
            box_pence=price_pence,
            shipping_pence=shipping,
            vat_pence=box_vat + shipping_vat,
            vat_removed_pence=0,
            total_pence=price_pence + shipping,
            vat_treatment="uk",
        )
    box = price_pence - _vat_in_gross(price_pence)
    ship = shipping - _vat_in_gross(shipping)
    return dict(
        box_pence=box,
        shipping_pence=ship,
        vat_pence=0,
        vat_removed_pence=price_pence - box + shipping - ship,
        total_pence=box + ship,
        vat_treatment="export",
    )


def upgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        for column in PRICE_COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vat_treatment", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("shipping_zone_name", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("priced_at", sa.DateTime(), nullable=True))

    # Every existing subscription is priced as today's quote for its plan and address.
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT s.id, s.ship_country, p.price_pence, p.months, z.box_shipping_pence, z.name "
            "FROM subscription s JOIN plan p ON p.id = s.plan_id "
            "LEFT JOIN zone_country c ON c.country_code = UPPER(s.ship_country) "
            "LEFT JOIN shipping_zone z ON z.id = c.zone_id"
        )
    ).fetchall()
    now = datetime.now(UTC).replace(tzinfo=None)
    update = sa.text(
        "UPDATE subscription SET box_pence = :box_pence, shipping_pence = :shipping_pence, "
        "vat_pence = :vat_pence, vat_removed_pence = :vat_removed_pence, total_pence = :total_pence, "
        "vat_treatment = :vat_treatment, shipping_zone_name = :zone, priced_at = :now WHERE id = :id"
    )
    for sub_id, country, price_pence, months, zone_shipping, zone_name in rows:
        values = _quote(price_pence, months, zone_shipping or 0, country or "")
        connection.execute(update, dict(values, zone=zone_name or "", now=now, id=sub_id))

    with op.batch_alter_table("subscription", schema=None) as batch_op:
        for column in PRICE_COLUMNS:
            batch_op.alter_column(column, existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("vat_treatment", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("shipping_zone_name", existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column("priced_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.create_check_constraint("vattreatment", sa.text("vat_treatment IN ('uk', 'export')"))


def downgrade():
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_constraint("vattreatment", type_="check")
        batch_op.drop_column("priced_at")
        batch_op.drop_column("shipping_zone_name")
        batch_op.drop_column("vat_treatment")
        for column in reversed(PRICE_COLUMNS):
            batch_op.drop_column(column)
