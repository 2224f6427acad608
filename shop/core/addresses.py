"""One postal address for the whole shop: the value forms produce and operations take
(PostalAddress), the columns every table that holds an address shares (AddressColumns),
the country list, and the rules carriers apply: a postcode in the country's format, a
state or province where the country's post needs one, a phone number for the courier.

Orders, subscriptions, shipments and saved addresses all store the same columns
(ship_name ... ship_phone), so an address moves between them without translation.
"""

import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache

import pycountry
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

UK = "GB"
ADDRESS_COLUMNS = (
    "ship_name",
    "ship_line1",
    "ship_line2",
    "ship_city",
    "ship_postcode",
    "ship_country",
    "ship_region",
    "ship_phone",
)
NOT_SHIPPED_SUFFIX = " — we don't ship here"


# ---- countries ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO code → the name people use ("Korea, Republic of" reads "South Korea"), built once."""
    return {c.alpha_2: getattr(c, "common_name", None) or c.name for c in pycountry.countries}


def country_name(code: str | None) -> str:
    return country_names().get((code or "").upper(), code or "")


_THE = {"GB", "US", "NL", "PH", "AE", "CZ", "DO", "BS", "GM", "MV", "SC", "KY", "VG", "FK", "FO", "IM"}


def in_country(code: str | None) -> str:
    """For messages: "in the United Kingdom", "in Germany"."""
    code = (code or "").upper()
    return f"in the {country_name(code)}" if code in _THE else f"in {country_name(code)}"


def is_country(code: str | None) -> bool:
    return (code or "").upper() in country_names()


def country_choices(not_shipped: set[str] | frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The one country list of every address form: (code, label), the United Kingdom
    first, then by name; countries in `not_shipped` are labelled so."""
    names = sorted(country_names().items(), key=lambda item: item[1])
    ordered = [(UK, country_name(UK))] + [(code, name) for code, name in names if code != UK]
    return [(code, name + (NOT_SHIPPED_SUFFIX if code in not_shipped else "")) for code, name in ordered]


def country_from_languages(tags) -> str | None:
    """The country of the first language tag that names one, in the order given (a
    browser's Accept-Language, most wanted first): "en-GB" → GB, "ko-KR" → KR,
    "zh-Hant-TW" → TW. A bare language ("fr") says nothing about where someone lives."""
    for tag in tags:
        for part in re.split(r"[-_]", str(tag))[1:]:
            if len(part) == 2 and part.isalpha() and is_country(part):
                return part.upper()
    return None


# ---- postcodes -----------------------------------------------------------------------------

# The common formats, checked once the postcode is in capitals with single spaces. Countries
# not listed take what is typed (or nothing: many addresses in the world have no postcode).
POSTCODE_FORMATS: dict[str, tuple[str, str]] = {
    # country: (pattern, an example for the message)
    "GB": (r"(GIR 0AA|[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2})", "SW1A 1AA"),
    "IM": (r"IM[0-9]{1,2} [0-9][A-Z]{2}", "IM1 1AA"),
    "JE": (r"JE[0-9] [0-9][A-Z]{2}", "JE2 3AB"),
    "GG": (r"GY[0-9]{1,2} [0-9][A-Z]{2}", "GY1 1AA"),
    "US": (r"[0-9]{5}(-[0-9]{4})?", "10001 or 10001-1234"),
    "CA": (r"[ABCEGHJ-NPRSTVXY][0-9][A-Z] [0-9][A-Z][0-9]", "K1A 0B1"),
    "AU": (r"[0-9]{4}", "2000"),
    "NZ": (r"[0-9]{4}", "6011"),
    "DE": (r"[0-9]{5}", "10115"),
    "FR": (r"[0-9]{5}", "75001"),
    "IT": (r"[0-9]{5}", "00184"),
    "ES": (r"[0-9]{5}", "28001"),
    "NL": (r"[0-9]{4} [A-Z]{2}", "1011 AB"),
    "BE": (r"[0-9]{4}", "1000"),
    "AT": (r"[0-9]{4}", "1010"),
    "CH": (r"[0-9]{4}", "8001"),
    "DK": (r"[0-9]{4}", "1050"),
    "SE": (r"[0-9]{3} [0-9]{2}", "111 22"),
    "NO": (r"[0-9]{4}", "0150"),
    "FI": (r"[0-9]{5}", "00100"),
    "PL": (r"[0-9]{2}-[0-9]{3}", "00-950"),
    "PT": (r"[0-9]{4}-[0-9]{3}", "1000-001"),
    "KR": (r"[0-9]{5}", "03187"),
    "JP": (r"[0-9]{3}-[0-9]{4}", "100-0001"),
    "CN": (r"[0-9]{6}", "100000"),
    "TW": (r"[0-9]{3}([0-9]{2,3})?", "100 or 10001"),
    "SG": (r"[0-9]{6}", "018956"),
    "IN": (r"[0-9]{6}", "110001"),
    "BR": (r"[0-9]{5}-[0-9]{3}", "01310-100"),
    "MX": (r"[0-9]{5}", "06000"),
}
# Where the post reads the space (or dash) at a fixed place, a postcode typed without it is
# given it back: "sw1a1aa" → "SW1A 1AA", "1234567" in Japan → "123-4567".
_SEPARATOR_AT = {
    "GB": (" ", -3),
    "IM": (" ", -3),
    "JE": (" ", -3),
    "GG": (" ", -3),
    "CA": (" ", 3),
    "NL": (" ", 4),
    "SE": (" ", 3),
    "JP": ("-", 3),
    "BR": ("-", 5),
    "PL": ("-", 2),
    "PT": ("-", 4),
}


def postcode_required(country: str | None) -> bool:
    """Countries whose every address has a postcode in a known format; elsewhere it may be empty."""
    return (country or "").strip().upper() in POSTCODE_FORMATS


def normalise_postcode(country: str | None, postcode: str | None) -> str:
    """Trimmed; where the format is known, in capitals with single spaces and the separator
    where the post expects it ("ls1  1aa" → "LS1 1AA", "k1a0b1" → "K1A 0B1")."""
    postcode = (postcode or "").strip()
    country = (country or "").strip().upper()
    if country not in POSTCODE_FORMATS or not postcode:
        return postcode
    postcode = re.sub(r"\s+", " ", postcode.upper())
    if country in _SEPARATOR_AT:
        separator, at = _SEPARATOR_AT[country]
        bare = re.sub(r"[\s-]", "", postcode)
        if len(bare) > abs(at):
            postcode = bare[:at] + separator + bare[at:]
    return postcode


def postcode_problem(country: str | None, postcode: str | None) -> str | None:
    """What is wrong with a (normalised) postcode for the country, in words for the customer."""
    country = (country or "").strip().upper()
    if country not in POSTCODE_FORMATS:
        return None
    pattern, example = POSTCODE_FORMATS[country]
    where = in_country(country)
    if not postcode:
        return f"Please enter the postcode: every address {where} has one."
    if not re.fullmatch(pattern, postcode):
        return f"That doesn't look like a postcode {where}: it should look like {example}."
    return None


# ---- states, provinces and regions ------------------------------------------------------------

# Where the post (and the courier's label) needs the state, province or prefecture.
REGION_REQUIRED = {
    "US": "state",
    "CA": "province or territory",
    "AU": "state or territory",
    "MX": "state",
    "BR": "state",
    "IN": "state",
    "CN": "province",
    "JP": "prefecture",
}
# Where the list is short and the post uses its codes, the region must be one of them and is
# stored as the code ("California" → "CA").
LISTED_REGIONS = ("US", "CA", "AU")
_NOT_A_REGION = {"US-UM"}  # the Minor Outlying Islands have no postal service


@lru_cache(maxsize=8)
def region_choices(country: str) -> tuple[tuple[str, str], ...]:
    """(code, name) of the valid regions where the shop checks them, else ()."""
    country = (country or "").upper()
    if country not in LISTED_REGIONS:
        return ()
    subdivisions = pycountry.subdivisions.get(country_code=country) or []
    return tuple(
        sorted(
            ((s.code.split("-", 1)[1], s.name) for s in subdivisions if s.code not in _NOT_A_REGION),
            key=lambda choice: choice[1],
        )
    )


def region_required(country: str | None) -> bool:
    return (country or "").strip().upper() in REGION_REQUIRED


def normalise_region(country: str | None, region: str | None) -> str:
    """Trimmed; in a listed country, a region typed as its name or code becomes the code."""
    region = re.sub(r"\s+", " ", (region or "").strip())
    wanted = region.casefold().removesuffix(".")
    for code, name in region_choices((country or "").strip().upper()):
        if wanted in (code.casefold(), name.casefold()):
            return code
    return region


def region_problem(country: str | None, region: str | None) -> str | None:
    country = (country or "").strip().upper()
    if country not in REGION_REQUIRED:
        return None
    what = REGION_REQUIRED[country]
    if not region:
        return f"Please enter the {what}: the post {in_country(country)} needs it."
    choices = region_choices(country)
    if choices and region not in {code for code, _ in choices}:
        examples = ", ".join(f"{code} ({name})" for code, name in choices[:2])
        of = in_country(country).replace("in ", "of ", 1)
        return f"Please enter a {what} {of} by its name or code, like {examples}."
    return None


# ---- phone numbers ----------------------------------------------------------------------------

_PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()./-]+")


def normalise_phone(phone: str | None) -> str:
    return re.sub(r"\s+", " ", (phone or "").strip())


def phone_problem(phone: str | None) -> str | None:
    """A courier's phone number: digits with the usual punctuation, 6 to 15 digits (E.164)."""
    if not phone:
        return None
    digits = re.sub(r"[^0-9]", "", phone)
    if not _PHONE_CHARACTERS.fullmatch(phone) or not 6 <= len(digits) <= 15:
        return "Please enter a phone number with its digits only, like +44 113 496 0000 (or leave it empty)."
    return None


# ---- the value ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostalAddress:
    name: str
    line1: str
    line2: str
    city: str
    postcode: str
    country: str  # ISO 3166-1 alpha-2
    region: str = ""  # state, province or prefecture (a code where LISTED_REGIONS)
    phone: str = ""  # for the courier only

    @classmethod
    def of(cls, name="", line1="", line2="", city="", postcode="", country="", region="", phone="") -> "PostalAddress":
        """From what a form or a session holds: trimmed, country in capitals, postcode and
        region normalised."""
        country = (country or "").strip().upper()
        return cls(
            name=(name or "").strip(),
            line1=(line1 or "").strip(),
            line2=(line2 or "").strip(),
            city=(city or "").strip(),
            postcode=normalise_postcode(country, postcode),
            country=country,
            region=normalise_region(country, region),
            phone=normalise_phone(phone),
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

    def problems(self) -> dict[str, str]:
        """What a carrier would refuse, by field (postcode, region, phone): every address form
        and every operation that takes a typed address asks this one rule."""
        found = {
            "postcode": postcode_problem(self.country, self.postcode),
            "region": region_problem(self.country, self.region),
            "phone": phone_problem(self.phone),
        }
        return {field: message for field, message in found.items() if message}

    def lines(self) -> list[str]:
        """As printed on a label: the street lines, "city region postcode", the country."""
        locality = " ".join(part for part in (self.city, self.region, self.postcode) if part)
        return [part for part in (self.name, self.line1, self.line2, locality, self.country_name) if part]


class AddressColumns:
    """The address columns shared by orders, subscriptions, shipments and saved addresses."""

    ship_name: Mapped[str] = mapped_column(String(200))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_city: Mapped[str] = mapped_column(String(120))
    ship_postcode: Mapped[str] = mapped_column(String(32), default="")
    ship_country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    ship_region: Mapped[str] = mapped_column(String(120), default="", server_default="")
    ship_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")

    @property
    def postal_address(self) -> PostalAddress:
        return PostalAddress(
            self.ship_name,
            self.ship_line1,
            self.ship_line2 or "",
            self.ship_city,
            self.ship_postcode or "",
            self.ship_country,
            self.ship_region or "",
            self.ship_phone or "",
        )

    @postal_address.setter
    def postal_address(self, address: PostalAddress) -> None:
        for column, value in address.columns().items():
            setattr(self, column, value)

    @property
    def ship_country_name(self) -> str:
        return country_name(self.ship_country)
