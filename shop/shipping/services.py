"""Shipping quotes for one-off parcels: a country's zone, then the zone's weight band.

Lines whose variant ships free (the magazines) add nothing to the parcel's weight, and a
parcel of only free-shipping lines ships free everywhere we deliver to.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core import addresses
from ..core.addresses import country_name, country_names
from ..extensions import db
from .models import ParcelRate, ShippingZone, ZoneCountry


class ShippingError(Exception):
    """A parcel cannot be quoted; the message is safe to show to the customer."""


class UnknownCountry(ShippingError):
    pass


class CountryNotShipped(ShippingError):
    pass


class ParcelTooHeavy(ShippingError):
    pass


@dataclass(frozen=True)
class ParcelItem:
    weight_g: int  # per unit
    quantity: int
    free_shipping: bool = False


@dataclass(frozen=True)
class ShippingQuote:
    country_code: str
    zone_code: str
    zone_name: str
    weight_g: int  # chargeable weight (free-shipping lines excluded)
    price_pence: int  # VAT-inclusive, like every catalogue price
    method: str

    @property
    def is_free(self) -> bool:
        return self.price_pence == 0


def countries_not_shipped() -> set[str]:
    return set(db.session.scalars(select(ZoneCountry.country_code).where(ZoneCountry.ships.is_(False))))


def country_choices() -> list[tuple[str, str]]:
    """The address forms' country list (core.addresses), marking where we don't ship."""
    return addresses.country_choices(countries_not_shipped())


def zone_for(country_code: str) -> ShippingZone:
    """The zone a country is in; UnknownCountry or CountryNotShipped otherwise."""
    code = (country_code or "").strip().upper()
    row = db.session.scalar(
        select(ZoneCountry).where(ZoneCountry.country_code == code).options(selectinload(ZoneCountry.zone))
    )
    if row is None or code not in country_names():
        raise UnknownCountry("Please choose a country from the list.")
    if not row.ships:
        raise CountryNotShipped(
            f"Sorry, we can't ship to {country_name(code)} at the moment. Please choose another delivery address."
        )
    return row.zone


def chargeable_weight(items: Iterable[ParcelItem]) -> int:
    return sum(item.weight_g * item.quantity for item in items if not item.free_shipping)


def quote(country_code: str, items: Iterable[ParcelItem]) -> ShippingQuote:
    """The price to send these items to this country."""
    items = list(items)
    zone = zone_for(country_code)
    code = country_code.strip().upper()
    if items and all(item.free_shipping for item in items):
        return ShippingQuote(code, zone.code, zone.name, 0, 0, "Free shipping")
    weight = chargeable_weight(items)
    band = db.session.scalar(
        select(ParcelRate)
        .where(ParcelRate.zone_id == zone.id, ParcelRate.max_weight_g >= weight)
        .order_by(ParcelRate.max_weight_g)
        .limit(1)
    )
    if band is None:
        heaviest = db.session.scalar(
            select(ParcelRate.max_weight_g)
            .where(ParcelRate.zone_id == zone.id)
            .order_by(ParcelRate.max_weight_g.desc())
        )
        limit = f"{heaviest / 1000:g} kg" if heaviest else "our limit"
        raise ParcelTooHeavy(
            f"Your parcel weighs {weight / 1000:g} kg, more than the {limit} we can send in one parcel "
            f"to {zone.name}. Please split it into smaller orders."
        )
    return ShippingQuote(code, zone.code, zone.name, weight, band.price_pence, f"Tracked parcel — {zone.name}")


def zones_with_rates() -> list[ShippingZone]:
    """Every zone with its parcel weight bands and countries, for the delivery page."""
    query = (
        select(ShippingZone)
        .options(selectinload(ShippingZone.parcel_rates), selectinload(ShippingZone.countries))
        .order_by(ShippingZone.position)
    )
    return list(db.session.scalars(query))
