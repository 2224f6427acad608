"""What a Culture Box subscription costs for a destination: the box, the zone's monthly
shipping, and VAT by the shop's one rule (core/vat.py). Quoted per payment, so a
prepaid 3 months shows what each payment every three months will be."""

from dataclasses import dataclass
from datetime import date, datetime

from ..core.vat import Totals, order_totals, price_line
from ..db_types import utcnow
from ..shipping import services as shipping
from .models import Plan
from .services import first_box_month


@dataclass(frozen=True)
class BoxQuote:
    plan: Plan
    country_code: str
    zone_name: str
    first_month: date
    totals: Totals  # one payment: plan.months boxes and their shipping

    @property
    def per_box_pence(self) -> int:
        return self.totals.total_pence // self.plan.months

    @property
    def country_name(self) -> str:
        return shipping.country_name(self.country_code)

    @property
    def box_pence(self) -> int:
        return self.totals.items_pence

    @property
    def shipping_pence(self) -> int:
        return self.totals.shipping_pence


def quote(plan: Plan, country_code: str, now: datetime | None = None) -> BoxQuote:
    """Raises shipping.UnknownCountry or shipping.CountryNotShipped for a bad destination."""
    zone = shipping.zone_for(country_code)
    line = price_line(country_code, plan.price_pence, 1)
    totals = order_totals(country_code, [line], zone.box_shipping_pence * plan.months)
    return BoxQuote(plan, country_code.upper(), zone.name, first_box_month(now or utcnow()), totals)
