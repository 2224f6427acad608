"""What a Culture Box subscription costs for a destination: the box, the zone's monthly
shipping, and VAT by the shop's one rule (core/vat.py). Quoted per payment, so a
prepaid 3 months shows what each payment every three months will be.

A subscription keeps the quote it was sold at (sell_at); what it shows and what it is
charged come from that (sold_quote), never from today's plan price.

A discount code takes the same amount off the first payment, the first N payments or
every payment (its DiscountDuration); `totals` is the price without it, `totals_for(n)`
what payment n costs."""

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select

from ..catalog.models import Product, ProductKind
from ..core.addresses import country_name
from ..core.money import exact_share
from ..core.vat import Totals, VatRate, VatTreatment, order_totals, price_line, vat_in_gross
from ..db_types import utcnow
from ..discounts import services as discounts
from ..discounts.models import DiscountCode
from ..extensions import db
from ..shipping import services as shipping
from .models import Plan, PlanKind, Subscription
from .services import first_box_month


@dataclass(frozen=True)
class BoxDiscount:
    code: str
    amount_pence: int  # off each payment it applies to, as the customer pays (VAT off for exports)
    payments: int | None  # how many payments it applies to; None: every payment

    def applies_to(self, payment_number: int) -> bool:
        return self.payments is None or payment_number <= self.payments

    @property
    def duration(self) -> str:
        """As Stripe names a coupon's duration."""
        return "forever" if self.payments is None else ("once" if self.payments == 1 else "repeating")

    @property
    def phrase(self) -> str:
        return discounts.payments_phrase(self.payments)


def discounted(totals: Totals, amount_pence: int) -> Totals:
    """`totals` with `amount_pence` taken off the items: in the UK the VAT in it comes off
    the VAT, as for an order (core/vat.py: order_totals)."""
    amount = max(0, min(amount_pence, totals.items_pence + totals.shipping_pence))
    vat = totals.vat_pence - vat_in_gross(amount) if totals.vat_pence else 0
    return replace(totals, discount_pence=amount, vat_pence=vat, total_pence=totals.total_pence - amount)


@dataclass(frozen=True)
class BoxQuote:
    plan: Plan
    country_code: str
    zone_name: str
    first_month: date
    totals: Totals  # one payment: plan.months boxes and their shipping, without a discount
    discount: BoxDiscount | None = None

    def totals_for(self, payment_number: int) -> Totals:
        """What payment `payment_number` (1 = the first, at checkout) costs."""
        if self.discount is None or not self.discount.applies_to(payment_number):
            return self.totals
        return discounted(self.totals, self.discount.amount_pence)

    @property
    def first_totals(self) -> Totals:
        return self.totals_for(1)

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


def quote(
    plan: Plan,
    country_code: str,
    now: datetime | None = None,
    *,
    discount: DiscountCode | None = None,
    payments: int | None = 0,
) -> BoxQuote:
    """Raises shipping.UnknownCountry or shipping.CountryNotShipped for a bad destination,
    discounts.CodeNotApplicable for a code that takes nothing off. `payments` overrides
    how many payments the discount applies to (a subscription keeps what it was sold with);
    a gift is one payment."""
    zone = shipping.zone_for(country_code)
    line = price_line(country_code, plan.price_pence, 1, box_vat_rate())
    totals = order_totals(country_code, [line], zone.box_shipping_pence * plan.months)
    box_discount = None
    if discount is not None:
        amount = discounts.discount_amount(discount, country_code, totals.items_pence, totals.shipping_pence)
        if payments == 0:
            payments = discount.payments
        if plan.kind is PlanKind.GIFT:
            payments = 1
        box_discount = BoxDiscount(discount.code, amount, payments)
    return BoxQuote(plan, country_code.upper(), zone.name, first_box_month(now or utcnow()), totals, box_discount)


def box_vat_rate() -> VatRate:
    """The Culture Box's VAT rate: the rate set on its catalogue product (kind subscription),
    like any product's; standard if the shop has no such product."""
    rate = db.session.scalar(
        select(Product.vat_rate).where(Product.kind == ProductKind.SUBSCRIPTION).order_by(Product.id).limit(1)
    )
    return rate or VatRate.STANDARD


def sell_at(sub: Subscription, box_quote: BoxQuote, now: datetime | None = None) -> None:
    """Store `box_quote` as the price `sub` pays per payment from now on (its discount too)."""
    t = box_quote.totals
    sub.box_pence, sub.shipping_pence, sub.total_pence = t.items_pence, t.shipping_pence, t.total_pence
    sub.vat_pence, sub.vat_removed_pence = t.vat_pence, t.vat_removed_pence
    sub.vat_treatment = VatTreatment.for_country(box_quote.country_code)
    sub.shipping_zone_name = box_quote.zone_name
    sub.priced_at = now or utcnow()
    d = box_quote.discount
    sub.discount_code = d.code if d else None
    sub.discount_pence = d.amount_pence if d else 0
    sub.discount_payments = d.payments if d else None


def payment_number(sub: Subscription) -> int:
    """The number of `sub`'s next payment: 1 for the first, at checkout."""
    return len(sub.periods) + 1


def amount_due(sub: Subscription, number: int | None = None) -> int:
    """What payment `number` of `sub` costs (the next one by default), discount included."""
    return sold_quote(sub).totals_for(number or payment_number(sub)).total_pence


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
    discount = BoxDiscount(sub.discount_code, sub.discount_pence, sub.discount_payments) if sub.discount_code else None
    return BoxQuote(sub.plan, sub.ship_country, sub.shipping_zone_name, sub.first_month, totals, discount)


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
