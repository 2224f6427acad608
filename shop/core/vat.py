"""UK VAT, in one place. Integer pence only.

Catalogue prices (and shipping rates) include UK VAT at 20%.

* Sent to the UK VAT area (core/territories.py: Great Britain, Northern Ireland and the Isle
  of Man): the customer pays the VAT-inclusive price and the receipt shows the VAT included.
* Sent anywhere else (Jersey and Guernsey included): a zero-rated export. The VAT is taken
  off every line and off the shipping, and the receipt says "Zero-rated export — no UK VAT
  charged".

The VAT in a VAT-inclusive amount is gross × 20/120, rounded half-up to the penny. It is
worked out on each unit price and multiplied by the quantity, so an export's unit price
is a whole number of pence and unit price × quantity is exactly the line total (the same
figures go to the payment provider).
"""

import enum
from dataclasses import dataclass, field

from .territories import charges_uk_vat

UK_VAT_RATE_PERCENT = 20
EXPORT_NOTE = "Zero-rated export — no UK VAT charged"


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

    @property
    def line_total_pence(self) -> int:
        return self.unit_price_pence * self.quantity

    @property
    def vat_removed_pence(self) -> int:
        return (self.catalogue_price_pence - self.unit_price_pence) * self.quantity

    @property
    def vat_charged_pence(self) -> int:
        return 0 if self.vat_removed_pence else self.unit_vat_pence * self.quantity


def price_line(country_code: str, catalogue_price_pence: int, quantity: int) -> PricedLine:
    unit_vat = vat_in_gross(catalogue_price_pence)
    unit = catalogue_price_pence - unit_vat if is_export(country_code) else catalogue_price_pence
    return PricedLine(catalogue_price_pence, quantity, unit, unit_vat)


def price_amount(country_code: str, gross_pence: int) -> int:
    """A VAT-inclusive amount (a shipping rate, a fixed discount) as the customer pays it."""
    return gross_pence - vat_in_gross(gross_pence) if is_export(country_code) else gross_pence


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

    @property
    def is_export(self) -> bool:
        if self.treatment is not None:
            return self.treatment is VatTreatment.EXPORT
        return is_export(self.country_code)

    @property
    def vat_note(self) -> str:
        return EXPORT_NOTE if self.is_export else f"Includes UK VAT at {UK_VAT_RATE_PERCENT}%"


def order_totals(
    country_code: str, lines: list[PricedLine], shipping_gross_pence: int, discount_pence: int = 0
) -> Totals:
    """Totals for priced lines, a VAT-inclusive shipping rate and a discount already in
    the customer's terms (see discounts.services.discount_amount). The discount is a
    reduction of the price paid, so in the UK the VAT in it comes off the VAT total."""
    export = is_export(country_code)
    items = sum(line.line_total_pence for line in lines)
    shipping_vat = vat_in_gross(shipping_gross_pence)
    shipping = shipping_gross_pence - shipping_vat if export else shipping_gross_pence
    discount = max(0, min(discount_pence, items + shipping))
    if export:
        vat = 0
        removed = sum(line.vat_removed_pence for line in lines) + shipping_vat
    else:
        vat = sum(line.vat_charged_pence for line in lines) + shipping_vat - vat_in_gross(discount)
        removed = 0
    return Totals(country_code.upper(), lines, items, shipping, discount, vat, removed, items + shipping - discount)
