import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import enum_by_value
from ..extensions import db


class PlanKind(enum.Enum):
    MONTHLY = "monthly"  # rolling, billed every month
    PREPAID = "prepaid"  # billed every `months` months, cheaper per box
    GIFT = "gift"  # paid once for `months` boxes, never renews


class Plan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(enum_by_value(PlanKind))
    months: Mapped[int]  # boxes per payment
    price_pence: Mapped[int]  # VAT-inclusive, per payment, UK delivery included
    blurb: Mapped[str] = mapped_column(String(255), default="")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def per_box_pence(self) -> int:
        return self.price_pence // self.months

    @property
    def renews(self) -> bool:
        return self.kind is not PlanKind.GIFT
