"""Discount codes from the back office: create, change the limits and dates, switch off.
Plain arguments in, DiscountError out (safe to show), flush only. Uses and revenue per code
are read by orders/reports.py (orders sit above discounts)."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..extensions import db
from .models import DiscountCode, DiscountKind
from .services import DiscountError, normalise

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,39}$")


@dataclass
class DiscountDraft:
    code: str
    kind: DiscountKind
    description: str = ""
    percent_off: int | None = None
    amount_off_pence: int | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    usage_limit: int | None = None
    per_customer_limit: int | None = None
    is_active: bool = True


def save_discount(draft: DiscountDraft, discount: DiscountCode | None = None) -> DiscountCode:
    code = normalise(draft.code)
    if not CODE.fullmatch(code):
        raise DiscountError("A code is 3 to 40 letters, digits, dashes or underscores, e.g. SPRING15.")
    taken = db.session.scalar(
        select(DiscountCode.id).where(DiscountCode.code == code, DiscountCode.id != (discount.id if discount else -1))
    )
    if taken is not None:
        raise DiscountError(f"The code {code} exists already.")
    if discount is not None and discount.code != code and discount.times_used:
        raise DiscountError("This code has been used: its name can no longer change (receipts show it).")
    percent = amount = None
    if draft.kind is DiscountKind.PERCENTAGE:
        if draft.percent_off is None or not 1 <= draft.percent_off <= 100:
            raise DiscountError("A percentage off is between 1 and 100.")
        percent = draft.percent_off
    elif draft.kind is DiscountKind.FIXED_AMOUNT:
        if draft.amount_off_pence is None or draft.amount_off_pence <= 0:
            raise DiscountError("An amount off must be more than £0.00.")
        amount = draft.amount_off_pence
    if draft.valid_from and draft.valid_until and draft.valid_until <= draft.valid_from:
        raise DiscountError("The code must end after it starts.")
    for limit in (draft.usage_limit, draft.per_customer_limit):
        if limit is not None and limit < 1:
            raise DiscountError("Leave a limit empty for none, or give at least 1 use.")
    if discount is not None and draft.usage_limit is not None and draft.usage_limit < discount.times_used:
        raise DiscountError(f"The code has been used {discount.times_used} times already: the limit cannot be lower.")
    discount = discount or DiscountCode()
    discount.code, discount.kind, discount.description = code, draft.kind, draft.description.strip()
    discount.percent_off, discount.amount_off_pence = percent, amount
    discount.valid_from, discount.valid_until = draft.valid_from, draft.valid_until
    discount.usage_limit, discount.per_customer_limit = draft.usage_limit, draft.per_customer_limit
    discount.is_active = draft.is_active
    db.session.add(discount)
    db.session.flush()
    return discount


def expire_now(discount: DiscountCode, now: datetime) -> None:
    """Stop the code from now on; orders that used it keep their discount."""
    discount.valid_until = now
    db.session.flush()
