"""Where a destination stands for VAT and customs: the one table both VAT and the
packing list read.

* Great Britain, Northern Ireland (both "GB") and the Isle of Man are one UK VAT area, and a
  parcel between them needs no customs declaration.
* Jersey and Guernsey are outside the UK VAT area: no UK VAT is charged, and their parcels
  need a customs declaration (CN22/CN23).
* Everywhere else is an export: no UK VAT, customs declaration needed.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Territory:
    uk_vat: bool  # the customer pays UK VAT (else a zero-rated export)
    customs_form: bool  # the parcel carries a CN22/CN23 declaration


UK = Territory(uk_vat=True, customs_form=False)
CROWN_DEPENDENCY_OUTSIDE_VAT = Territory(uk_vat=False, customs_form=True)
EXPORT = Territory(uk_vat=False, customs_form=True)

TERRITORIES: dict[str, Territory] = {
    "GB": UK,
    "IM": UK,  # Isle of Man
    "JE": CROWN_DEPENDENCY_OUTSIDE_VAT,  # Jersey
    "GG": CROWN_DEPENDENCY_OUTSIDE_VAT,  # Guernsey
}


def territory(country_code: str | None) -> Territory:
    return TERRITORIES.get((country_code or "").strip().upper(), EXPORT)


def charges_uk_vat(country_code: str | None) -> bool:
    return territory(country_code).uk_vat


def needs_customs_form(country_code: str | None) -> bool:
    return territory(country_code).customs_form
