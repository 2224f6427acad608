"""What a Culture Box subscription costs for a destination: the box, the zone's monthly
shipping, and VAT by the shop's one rule (core/vat.py). Quoted per payment, so a
prepaid 3 months shows what each payment every three months will be.

A subscription keeps the quote it was sold at (sell_at); what it shows and what it is
charged come from that (sold_quote), never from today's plan price."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..catalog.models import Product, ProductKind
from ..core.addresses import country_name
from ..core.money import exact_share
from ..core.vat import Totals, VatRate, VatTreatment, order_totals, price_line
from ..db_types import utcnow
from ..extensions import db
from ..shipping import services as shipping
from .models import Plan, Subscription
from .services import first_box_month


@dataclass(frozen=True)
class BoxQuote:
    plan: Plan
    country_code: str
    zone_name: str
    first_month: date
    totals: Totals  # one payment: plan.months boxes and their shipping

    @property
    def per_box_pence(self) -> int | None:
        """One payment per box, delivered, when it divides exactly (else None: shown as the total)."""
        return exact_share(self.totals.total_pence, self.plan.months)

    @property
    def shipping_per_box_pence(self) -> int | None:
        """The shipping of one box, when the payment's shipping divides exactly by its boxes."""
        return exact_share(self.totals.shipping_pence, self.plan.months)

    @property
    def country_name(self) -> str:
        return country_name(self.country_code)

    @property
    def box_pence(self) -> int:
        return self.totals.items_pence

    @property
    def shipping_pence(self) -> int:
        return self.totals.shipping_pence

    @property
    def vat_rate_percent(self) -> int:
        """The box's UK VAT rate in this quote (the catalogue's, for a stored quote)."""
        return self.totals.lines[0].rate_percent if self.totals.lines else box_vat_rate().percent


def quote(plan: Plan, country_code: str, now: datetime | None = None) -> BoxQuote:
    """Raises shipping.UnknownCountry or shipping.CountryNotShipped for a bad destination."""
    zone = shipping.zone_for(country_code)
    line = price_line(country_code, plan.price_pence, 1, box_vat_rate())
    totals = order_totals(country_code, [line], zone.box_shipping_pence * plan.months)
    return BoxQuote(plan, country_code.upper(), zone.name, first_box_month(now or utcnow()), totals)


def box_vat_rate() -> VatRate:
    """The Culture Box's VAT rate: the rate set on its catalogue product (kind subscription),
    like any product's; standard if the shop has no such product."""
    rate = db.session.scalar(
        select(Product.vat_rate).where(Product.kind == ProductKind.SUBSCRIPTION).order_by(Product.id).limit(1)
    )
    return rate or VatRate.STANDARD


def sell_at(sub: Subscription, box_quote: BoxQuote, now: datetime | None = None) -> None:
    """Store `box_quote` as the price `sub` pays per payment from now on."""
    t = box_quote.totals
    sub.box_pence, sub.shipping_pence, sub.total_pence = t.items_pence, t.shipping_pence, t.total_pence
    sub.vat_pence, sub.vat_removed_pence = t.vat_pence, t.vat_removed_pence
    sub.vat_treatment = VatTreatment.for_country(box_quote.country_code)
    sub.shipping_zone_name = box_quote.zone_name
    sub.priced_at = now or utcnow()


def sold_quote(sub: Subscription) -> BoxQuote:
    """The price `sub` was sold at (or last re-quoted at), per payment."""
    totals = Totals(
        sub.ship_country,
        [],
        sub.box_pence,
        sub.shipping_pence,
        0,
        sub.vat_pence,
        sub.vat_removed_pence,
        sub.total_pence,
        sub.vat_treatment,
    )
    return BoxQuote(sub.plan, sub.ship_country, sub.shipping_zone_name, sub.first_month, totals)


@dataclass(frozen=True)
class PaymentSplit:
    box_pence: int
    shipping_pence: int
    vat_pence: int
    vat_removed_pence: int
    treatment: VatTreatment


def split_payment(sub: Subscription, amount_pence: int) -> PaymentSplit:
    """What `amount_pence` paid for `sub` is made of, by its stored price: exactly that
    price's figures when it is the full amount, else each figure in proportion (a
    discounted or prorated payment), the rounding left in the box so the parts add up."""
    total = sub.total_pence
    if amount_pence == total or total <= 0:
        return PaymentSplit(sub.box_pence, sub.shipping_pence, sub.vat_pence, sub.vat_removed_pence, sub.vat_treatment)

    def share(part: int) -> int:
        return (2 * part * amount_pence + total) // (2 * total)  # half-up, integers only

    shipping = share(sub.shipping_pence)
    return PaymentSplit(
        amount_pence - shipping, shipping, share(sub.vat_pence), share(sub.vat_removed_pence), sub.vat_treatment
    )
