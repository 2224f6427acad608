from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class ShippingZone(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    # What a Culture Box subscriber pays each month for delivery to this zone.
    box_shipping_pence: Mapped[int] = mapped_column(default=0)

    countries: Mapped[list["ZoneCountry"]] = relationship(back_populates="zone")
    parcel_rates: Mapped[list["ParcelRate"]] = relationship(
        back_populates="zone", order_by="ParcelRate.max_weight_g", cascade="all, delete-orphan"
    )


class ZoneCountry(db.Model):
    """Every country the shop knows, the zone it is in, and whether we ship there."""

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zone.id"), index=True)
    ships: Mapped[bool] = mapped_column(default=True)

    zone: Mapped[ShippingZone] = relationship(back_populates="countries")


class ParcelRate(db.Model):
    """One weight band: parcels up to max_weight_g to this zone cost price_pence."""

    __table_args__ = (UniqueConstraint("zone_id", "max_weight_g"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("shipping_zone.id"))
    max_weight_g: Mapped[int]
    price_pence: Mapped[int]

    zone: Mapped[ShippingZone] = relationship(back_populates="parcel_rates")
