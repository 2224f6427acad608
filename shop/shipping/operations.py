"""Changing where and how the shop ships, from the back office: zones, the countries in
each and whether we ship there, the parcel weight bands, the Culture Box's monthly rate.
Plain arguments in, ShippingError out (safe to show), flush only.

A new rate is quoted from the next checkout on; an order keeps the shipping it was quoted
and a running subscription the price it was sold at.
"""

import re

from sqlalchemy import func, select, update

from ..core.addresses import country_name, is_country
from ..extensions import db
from .models import ParcelRate, ShippingZone, ZoneCountry
from .services import ShippingError

CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_PARCEL_G = 30_000


def save_zone(
    *, code: str, name: str, box_shipping_pence: int, position: int = 0, zone: ShippingZone | None = None
) -> ShippingZone:
    code = (code or "").strip().lower()
    if not CODE.fullmatch(code):
        raise ShippingError("The zone code may use lower-case letters, digits and dashes, e.g. europe.")
    taken = db.session.scalar(
        select(ShippingZone.id).where(ShippingZone.code == code, ShippingZone.id != (zone.id if zone else -1))
    )
    if taken is not None:
        raise ShippingError(f"There is already a zone with the code {code}.")
    if not (name or "").strip():
        raise ShippingError("Give the zone a name customers will read, e.g. Europe.")
    if box_shipping_pence < 0:
        raise ShippingError("The Culture Box's monthly shipping cannot be negative.")
    zone = zone or ShippingZone()
    zone.code, zone.name, zone.box_shipping_pence, zone.position = code, name.strip(), box_shipping_pence, position
    db.session.add(zone)
    db.session.flush()
    return zone


def set_country(country_code: str, *, zone: ShippingZone, ships: bool) -> ZoneCountry:
    """Put a country in a zone, and say whether we ship there."""
    code = (country_code or "").strip().upper()
    if not is_country(code):
        raise ShippingError(f"'{country_code}' is not a country code we know.")
    row = db.session.get(ZoneCountry, code) or ZoneCountry(country_code=code)
    row.zone_id, row.ships = zone.id, ships
    db.session.add(row)
    db.session.flush()
    return row


def move_countries(codes: list[str], *, zone: ShippingZone) -> int:
    """Move several countries into `zone` at once (their shipping flag is kept)."""
    wanted = {c.strip().upper() for c in codes if c.strip()}
    unknown = sorted(c for c in wanted if not is_country(c))
    if unknown:
        raise ShippingError(f"Not country codes we know: {', '.join(unknown)}.")
    result = db.session.execute(update(ZoneCountry).where(ZoneCountry.country_code.in_(wanted)).values(zone_id=zone.id))
    db.session.flush()
    return result.rowcount


def save_parcel_rate(
    zone: ShippingZone, *, max_weight_g: int, price_pence: int, rate: ParcelRate | None = None
) -> ParcelRate:
    if not 0 < max_weight_g <= MAX_PARCEL_G:
        raise ShippingError(f"A weight band ends between 1 g and {MAX_PARCEL_G // 1000} kg.")
    if price_pence < 0:
        raise ShippingError("A shipping price cannot be negative.")
    clash = db.session.scalar(
        select(ParcelRate.id).where(
            ParcelRate.zone_id == zone.id,
            ParcelRate.max_weight_g == max_weight_g,
            ParcelRate.id != (rate.id if rate else -1),
        )
    )
    if clash is not None:
        raise ShippingError(f"{zone.name} already has a band up to {max_weight_g} g: change that one.")
    rate = rate or ParcelRate(zone_id=zone.id)
    rate.max_weight_g, rate.price_pence = max_weight_g, price_pence
    db.session.add(rate)
    db.session.flush()
    return rate


def delete_parcel_rate(rate: ParcelRate) -> None:
    db.session.delete(rate)
    db.session.flush()


def delete_zone(zone: ShippingZone) -> None:
    """Only an empty zone goes: its countries must be moved elsewhere first."""
    count = db.session.scalar(select(func.count()).where(ZoneCountry.zone_id == zone.id))
    if count:
        raise ShippingError(f"{zone.name} still has {count} countries: move them to another zone first.")
    db.session.delete(zone)
    db.session.flush()


def zones() -> list[ShippingZone]:
    return list(db.session.scalars(select(ShippingZone).order_by(ShippingZone.position, ShippingZone.name)))


def countries_of(zone: ShippingZone) -> list[tuple[str, str, bool]]:
    rows = db.session.execute(
        select(ZoneCountry.country_code, ZoneCountry.ships).where(ZoneCountry.zone_id == zone.id)
    ).all()
    return sorted(((code, country_name(code), ships) for code, ships in rows), key=lambda row: row[1])
