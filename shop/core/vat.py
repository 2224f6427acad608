"""UK VAT, in one place. Integer pence only.

Catalogue prices (and shipping rates) include UK VAT at the product's rate (`VatRate`):
standard (20%: sheet masks, the Culture Box, most goods) or zero (printed magazines and
booklets). Shipping is standard-rated, unless every item in the parcel is zero-rated: then
the delivery follows the goods and carries no VAT either. Each order line keeps the rate it
was sold at, so a later change of a product's rate never alters a placed order.

* Sent to the UK VAT area (core/territories.py: Great Britain, Northern Ireland and the Isle
  of Man): the customer pays the VAT-inclusive price and the receipt shows the VAT included.
* Sent anywhere else (Jersey and Guernsey included): a zero-rated export. The VAT is taken
  off every line and off the shipping, and the receipt says "Zero-rated export — no UK VAT
  charged".

The VAT in a VAT-inclusive amount is gross × rate/(100 + rate), rounded half-up to the penny. It is
worked out on each unit price and multiplied by the quantity, so an export's unit price
is a whole number of pence and unit price × quantity is exactly the line total (the same
figures go to the payment provider).
"""

import enum
from dataclasses import dataclass, field

from .territories import charges_uk_vat

UK_VAT_RATE_PERCENT = 20
EXPORT_NOTE = "Zero-rated export — no UK VAT charged"
ZERO_RATED_NOTE = "Zero-rated for UK VAT — no VAT charged"


class VatRate(enum.Enum):
    """A product's UK VAT rate, chosen per product (catalog) and kept on each order line."""

    STANDARD = "standard"
    ZERO = "zero"  # printed matter: magazines, books, booklets

    @property
    def percent(self) -> int:
        return UK_VAT_RATE_PERCENT if self is VatRate.STANDARD else 0

    @property
    def label(self) -> str:
        return f"Standard ({self.percent}%)" if self is VatRate.STANDARD else "Zero-rated (0%)"


def vat_note_for(percents, *, export: bool, vat_pence: int) -> str:
    """What a receipt says under its total, from the rates of what was sold."""
    if export:
        return EXPORT_NOTE
    if not vat_pence:
        return ZERO_RATED_NOTE
    charged = "/".join(f"{p}%" for p in sorted({p for p in percents if p})) or f"{UK_VAT_RATE_PERCENT}%"
    if any(p == 0 for p in percents):
        return f"Includes UK VAT at {charged} on standard-rated items"
    return f"Includes UK VAT at {charged}"


def vat_in_gross(gross_pence: int, rate_percent: int = UK_VAT_RATE_PERCENT) -> int:
    """The VAT inside a VAT-inclusive amount, rounded half-up (integers only)."""
    if gross_pence < 0:
        return -vat_in_gross(-gross_pence, rate_percent)
    denominator = 100 + rate_percent
    return (2 * gross_pence * rate_percent + denominator) // (2 * denominator)


def is_export(country_code: str) -> bool:
    return not charges_uk_vat(country_code)


class VatTreatment(enum.Enum):
    UK = "uk"  # VAT included and shown
    EXPORT = "export"  # zero-rated export: VAT taken off every line and the shipping

    @classmethod
    def for_country(cls, country_code: str) -> "VatTreatment":
        return cls.EXPORT if is_export(country_code) else cls.UK


@dataclass(frozen=True)
class PricedLine:
    catalogue_price_pence: int  # VAT-inclusive unit price from the catalogue
    quantity: int
    unit_price_pence: int  # what the customer pays per unit
    unit_vat_pence: int  # the VAT in one unit at the catalogue price
    rate: VatRate = VatRate.STANDARD

    @property
    def rate_percent(self) -> int:
        return self.rate.percent

    @property
    def line_total_pence(self) -> int:
        return self.unit_price_pence * self.quantity

    @property
    def vat_removed_pence(self) -> int:
        return (self.catalogue_price_pence - self.unit_price_pence) * self.quantity

    @property
    def vat_charged_pence(self) -> int:
        return 0 if self.vat_removed_pence else self.unit_vat_pence * self.quantity


def price_line(
    country_code: str, catalogue_price_pence: int, quantity: int, rate: VatRate = VatRate.STANDARD
) -> PricedLine:
    unit_vat = vat_in_gross(catalogue_price_pence, rate.percent)
    unit = catalogue_price_pence - unit_vat if is_export(country_code) else catalogue_price_pence
    return PricedLine(catalogue_price_pence, quantity, unit, unit_vat, rate)


def shipping_rate(lines: list[PricedLine]) -> VatRate:
    """Delivery is standard-rated, unless everything delivered is zero-rated."""
    if lines and all(line.rate is VatRate.ZERO for line in lines):
        return VatRate.ZERO
    return VatRate.STANDARD


def price_amount(country_code: str, gross_pence: int, rate: VatRate = VatRate.STANDARD) -> int:
    """A VAT-inclusive amount (a shipping rate, a fixed discount) as the customer pays it."""
    return gross_pence - vat_in_gross(gross_pence, rate.percent) if is_export(country_code) else gross_pence


@dataclass(frozen=True)
class Totals:
    """Every total of an order, as the customer pays it (pence)."""

    country_code: str
    lines: list[PricedLine] = field(repr=False)
    items_pence: int
    shipping_pence: int
    discount_pence: int
    vat_pence: int  # UK VAT included in total_pence (0 for an export)
    vat_removed_pence: int  # export: the UK VAT taken off the items and the shipping
    total_pence: int
    # How these totals were worked out, when they were stored (a subscription's sold price):
    # read back as stored, even if the territory table has changed since.
    treatment: VatTreatment | None = None
    # The VAT rates (percent) of what was sold, for the receipt's note; empty: standard.
    rate_percents: tuple[int, ...] = ()

    @property
    def is_export(self) -> bool:
        if self.treatment is not None:
            return self.treatment is VatTreatment.EXPORT
        return is_export(self.country_code)

    @property
    def vat_note(self) -> str:
        percents = self.rate_percents or tuple(line.rate_percent for line in self.lines) or (UK_VAT_RATE_PERCENT,)
        return vat_note_for(percents, export=self.is_export, vat_pence=self.vat_pence)


def order_totals(
    country_code: str, lines: list[PricedLine], shipping_gross_pence: int, discount_pence: int = 0
) -> Totals:
    """Totals for priced lines, a VAT-inclusive shipping rate and a discount already in
    the customer's terms (see discounts.services.discount_amount). The discount is a
    reduction of the price paid, so in the UK the VAT in it comes off the VAT total: the
    discount is shared across the order in proportion, and only the standard-rated share
    of it carries VAT."""
    export = is_export(country_code)
    items = sum(line.line_total_pence for line in lines)
    delivery_rate = shipping_rate(lines)
    shipping_vat = vat_in_gross(shipping_gross_pence, delivery_rate.percent)
    shipping = shipping_gross_pence - shipping_vat if export else shipping_gross_pence
    discount = max(0, min(discount_pence, items + shipping))
    if export:
        vat = 0
        removed = sum(line.vat_removed_pence for line in lines) + shipping_vat
    else:
        standard = sum(line.line_total_pence for line in lines if line.rate is VatRate.STANDARD)
        standard += shipping if delivery_rate is VatRate.STANDARD else 0
        gross = items + shipping
        standard_discount = discount if standard == gross else (discount * standard + gross // 2) // max(gross, 1)
        vat = sum(line.vat_charged_pence for line in lines) + shipping_vat - vat_in_gross(standard_discount)
        removed = 0
    return Totals(country_code.upper(), lines, items, shipping, discount, vat, removed, items + shipping - discount)
