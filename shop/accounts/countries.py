"""Country names and the address form's country list (pycountry), marking where we don't ship."""

from functools import lru_cache

import pycountry
from sqlalchemy import select

from ..extensions import db
from ..shipping.models import ZoneCountry

NO_SHIPPING_SUFFIX = " — we don't ship here"


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def country_name(code: str) -> str:
    return _names().get(code, code)


def is_country(code: str) -> bool:
    return code in _names()


def countries_not_shipped() -> set[str]:
    return set(db.session.scalars(select(ZoneCountry.country_code).where(ZoneCountry.ships.is_(False))))


def country_choices() -> list[tuple[str, str]]:
    """(code, label) sorted by name, United Kingdom first; countries we don't ship to are labelled."""
    no_ship = countries_not_shipped()
    names = sorted(_names().items(), key=lambda item: item[1])
    choices = [("GB", country_name("GB"))]
    choices += [
        (code, name + (NO_SHIPPING_SUFFIX if code in no_ship else ""))
        for code, name in names
        if code != "GB"
    ]
    return choices
