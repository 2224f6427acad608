"""Country names and the address form's country list (pycountry), marking where we don't ship."""

from sqlalchemy import select

from ..extensions import db
from ..shipping.models import ZoneCountry
from ..shipping.services import country_name, country_names

NO_SHIPPING_SUFFIX = " — we don't ship here"


__all__ = ["country_choices", "country_name", "countries_not_shipped", "is_country"]


def is_country(code: str) -> bool:
    return code in country_names()


def countries_not_shipped() -> set[str]:
    return set(db.session.scalars(select(ZoneCountry.country_code).where(ZoneCountry.ships.is_(False))))


def country_choices() -> list[tuple[str, str]]:
    """(code, label) sorted by name, United Kingdom first; countries we don't ship to are labelled."""
    no_ship = countries_not_shipped()
    names = sorted(country_names().items(), key=lambda item: item[1])
    choices = [("GB", country_name("GB"))]
    choices += [
        (code, name + (NO_SHIPPING_SUFFIX if code in no_ship else ""))
        for code, name in names
        if code != "GB"
    ]
    return choices
