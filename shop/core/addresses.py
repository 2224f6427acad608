"""One postal address for the whole shop: the value forms produce and operations take
(PostalAddress), the columns every table that holds an address shares (AddressColumns),
the country list, and the one postcode rule.

Orders, subscriptions, shipments and saved addresses all store the same six columns
(ship_name ... ship_country), so an address moves between them without translation.
"""

import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache

import pycountry
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

UK = "GB"
ADDRESS_COLUMNS = ("ship_name", "ship_line1", "ship_line2", "ship_city", "ship_postcode", "ship_country")
NOT_SHIPPED_SUFFIX = " — we don't ship here"


# ---- countries ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO code → the name people use ("Korea, Republic of" reads "South Korea"), built once."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def country_name(code: str | None) -> str:
    return country_names().get((code or "").upper(), code or "")


def is_country(code: str | None) -> bool:
    return (code or "").upper() in country_names()


def country_choices(not_shipped: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The one country list of every address form: (code, label), the United Kingdom
    first, then by name; countries in `not_shipped` are labelled so."""
    names = sorted(country_names().items(), key=lambda item: item[1])
    ordered = [(UK, country_name(UK))] + [(code, name) for code, name in names if code != UK]
    return [(code, name + (NOT_SHIPPED_SUFFIX if code in not_shipped else "")) for code, name in ordered]


# ---- the postcode rule ----------------------------------------------------------------------


def postcode_required(country: str | None) -> bool:
    """Every UK address has a postcode; elsewhere it may be left empty."""
    return (country or "").strip().upper() == UK


def normalise_postcode(country: str | None, postcode: str | None) -> str:
    """Trimmed; a UK postcode in capitals with single spaces ("ls1  1aa" → "LS1 1AA")."""
    postcode = (postcode or "").strip()
    if postcode_required(country):
        postcode = re.sub(r"\s+", " ", postcode.upper())
    return postcode


# ---- the value ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostalAddress:
    name: str
    line1: str
    line2: str
    city: str
    postcode: str
    country: str  # ISO 3166-1 alpha-2

    @classmethod
    def of(cls, name="", line1="", line2="", city="", postcode="", country="") -> "PostalAddress":
        """From what a form or a session holds: trimmed, country in capitals, postcode normalised."""
        country = (country or "").strip().upper()
        return cls(
            name=(name or "").strip(),
            line1=(line1 or "").strip(),
            line2=(line2 or "").strip(),
            city=(city or "").strip(),
            postcode=normalise_postcode(country, postcode),
            country=country,
        )

    @classmethod
    def from_dict(cls, data: dict | None) -> "PostalAddress | None":
        if not data:
            return None
        return cls.of(**{f.name: data.get(f.name) for f in fields(cls)})

    def to_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def columns(self) -> dict[str, str]:
        """As the ship_* columns of AddressColumns (the fields, in the same order)."""
        return dict(zip(ADDRESS_COLUMNS, astuple(self), strict=True))

    @property
    def country_name(self) -> str:
        return country_name(self.country)

    @property
    def missing_postcode(self) -> bool:
        return postcode_required(self.country) and not self.postcode


class AddressColumns:
    """The address columns shared by orders, subscriptions, shipments and saved addresses."""

    ship_name: Mapped[str] = mapped_column(String(200))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_city: Mapped[str] = mapped_column(String(120))
    ship_postcode: Mapped[str] = mapped_column(String(32), default="")
    ship_country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2

    @property
    def postal_address(self) -> PostalAddress:
        return PostalAddress(
            self.ship_name,
            self.ship_line1,
            self.ship_line2 or "",
            self.ship_city,
            self.ship_postcode or "",
            self.ship_country,
        )

    @postal_address.setter
    def postal_address(self, address: PostalAddress) -> None:
        for column, value in address.columns().items():
            setattr(self, column, value)

    @property
    def ship_country_name(self) -> str:
        return country_name(self.ship_country)
