"""The carriers the shop sends parcels with, and where a customer follows a parcel.

A tracking link is built from the carrier's own tracking page and the number, so the
shop stores only the carrier's code and the number the carrier gave.
"""

import re
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    tracking_url: str  # {} is replaced by the tracking number


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier("royal-mail", "Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{}"),
        Carrier("parcelforce", "Parcelforce", "https://www.parcelforce.com/track-trace?trackNumber={}"),
        Carrier("dhl", "DHL", "https://www.dhl.com/gb-en/home/tracking.html?tracking-id={}"),
        Carrier("dpd", "DPD", "https://track.dpd.co.uk/parcels/{}"),
        Carrier("evri", "Evri", "https://www.evri.com/track/parcel/{}"),
    )
}

# Letters, digits and the odd dash or space, as carriers print them; anything else is a typo
# or pasted junk, and would make a broken link.
TRACKING_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{3,38}[A-Za-z0-9]$")


class CarrierError(ValueError):
    """An unknown carrier or a tracking number that cannot be right; safe to show."""


def carrier_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in CARRIERS.values()]


def find_carrier(value: str) -> Carrier:
    """A carrier by its code or its name, in any case ("Royal Mail", "royal-mail")."""
    wanted = (value or "").strip().lower()
    for carrier in CARRIERS.values():
        if wanted in (carrier.code, carrier.name.lower()):
            return carrier
    known = ", ".join(c.name for c in CARRIERS.values())
    raise CarrierError(f"'{value.strip()}' is not a carrier we send with ({known}).")


def clean_tracking_number(value: str) -> str:
    number = (value or "").strip().upper()
    if not TRACKING_NUMBER.fullmatch(number):
        raise CarrierError(
            f"'{(value or '').strip()}' does not look like a tracking number (5 to 40 letters and digits)."
        )
    return number


def tracking_url(carrier_code: str | None, number: str | None) -> str | None:
    carrier = CARRIERS.get(carrier_code or "")
    if carrier is None or not number:
        return None
    return carrier.tracking_url.format(quote(number.replace(" ", ""), safe=""))
