"""Discount codes: which code applies, how much it takes off, and counting its uses.

Uses are *reserved when an order is placed*, in the order's own transaction: a
conditional UPDATE bumps the code's counter only while it is under its total limit (so
two customers racing for the last use cannot both get it), and a redemption row records
the order and the customer's email (for the per-customer limit). That UPDATE also locks the
code's row until the transaction ends, so the per-customer count taken after it sees every
redemption committed before: one customer's parallel checkouts queue there and only as many
as the limit allows get the code. If the order is
cancelled or expires before it is paid, the reservation is released (row deleted,
counter decremented). A paid, later refunded order keeps its use.
"""

from datetime import datetime

from sqlalchemy import func, select, update

from ..core.vat import price_amount
from ..db_types import utcnow
from ..extensions import db
from .models import DiscountCode, DiscountKind, DiscountRedemption


class DiscountError(Exception):
    """A code cannot be used; the message is safe to show to the customer."""


class UnknownCode(DiscountError):
    pass


class CodeNotYetValid(DiscountError):
    pass


class CodeExpired(DiscountError):
    pass


class CodeUsedUp(DiscountError):
    pass


class CodeAlreadyUsed(DiscountError):
    """The customer (by email) has used the code as many times as it allows."""


class CodeNotApplicable(DiscountError):
    """The code is valid but would take nothing off this order."""


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def find_usable(code: str, email: str, now: datetime | None = None) -> DiscountCode:
    """The code if this customer may use it now; a typed DiscountError otherwise."""
    now = now or utcnow()
    wanted = normalise(code)
    discount = db.session.scalar(select(DiscountCode).where(DiscountCode.code == wanted))
    if discount is None or not discount.is_active:
        raise UnknownCode(f"We don't recognise the discount code “{wanted}”. Please check it and try again.")
    if discount.valid_from is not None and now < discount.valid_from:
        raise CodeNotYetValid(f"The code {wanted} can be used from {_day(discount.valid_from)}.")
    if discount.valid_until is not None and now >= discount.valid_until:
        raise CodeExpired(f"Sorry, the code {wanted} expired on {_day(discount.valid_until)}.")
    if discount.usage_limit is not None and discount.times_used >= discount.usage_limit:
        raise CodeUsedUp(f"Sorry, the code {wanted} has been used up.")
    if discount.per_customer_limit is not None and uses_by(discount, email) >= discount.per_customer_limit:
        raise CodeAlreadyUsed(f"You have already used the code {wanted}.")
    return discount


def uses_by(discount: DiscountCode, email: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(DiscountRedemption)
        .where(DiscountRedemption.discount_id == discount.id, DiscountRedemption.email == email.strip().lower())
    )


def by_code(code: str | None) -> DiscountCode | None:
    """The code as stored, whatever its dates and limits (a running subscription keeps the
    discount it was sold with)."""
    return db.session.scalar(select(DiscountCode).where(DiscountCode.code == normalise(code))) if code else None


def payments_phrase(payments: int | None) -> str:
    """For the customer: "your first payment", "each of your first 3 payments", "every payment"."""
    if payments is None:
        return "every payment"
    return "your first payment" if payments == 1 else f"each of your first {payments} payments"


def discount_amount(discount: DiscountCode, country_code: str, items_pence: int, shipping_pence: int) -> int:
    """What the code takes off, in the customer's terms: `items_pence` and `shipping_pence`
    as the customer pays them (for an export, VAT already removed)."""
    code = discount.code
    if discount.kind is DiscountKind.PERCENTAGE:
        amount = (items_pence * discount.percent_off * 2 + 100) // 200  # half-up
    elif discount.kind is DiscountKind.FIXED_AMOUNT:
        # Fixed amounts are VAT-inclusive like catalogue prices: an export gets them without VAT.
        amount = min(price_amount(country_code, discount.amount_off_pence), items_pence)
    else:
        amount = shipping_pence
        if amount == 0:
            raise CodeNotApplicable(f"Your order already ships free, so the code {code} would take nothing off.")
    if amount <= 0:
        raise CodeNotApplicable(f"The code {code} takes nothing off this order.")
    return amount


def reserve(
    discount: DiscountCode,
    *,
    order_id: int | None = None,
    subscription_id: int | None = None,
    email: str,
    amount_pence: int,
) -> None:
    """Count one use for a placed order (or a started subscription), in the caller's
    transaction. Raises CodeUsedUp if the last use went to someone else in the meantime,
    CodeAlreadyUsed if this customer's other checkout took their last use; either way the
    caller rolls back."""
    result = db.session.execute(
        update(DiscountCode)
        .where(
            DiscountCode.id == discount.id,
            (DiscountCode.usage_limit.is_(None)) | (DiscountCode.times_used < DiscountCode.usage_limit),
        )
        .values(times_used=DiscountCode.times_used + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CodeUsedUp(f"Sorry, the code {discount.code} has just been used up.")
    # Counted after the UPDATE, under its row lock (a new statement, so a fresh snapshot).
    if discount.per_customer_limit is not None and uses_by(discount, email) >= discount.per_customer_limit:
        raise CodeAlreadyUsed(f"You have already used the code {discount.code}.")
    db.session.add(
        DiscountRedemption(
            discount_id=discount.id,
            order_id=order_id,
            subscription_id=subscription_id,
            email=email.strip().lower(),
            amount_pence=amount_pence,
        )
    )
    db.session.flush()
    _forget_counter(discount.id)


def release(order_id: int | None = None, *, subscription_id: int | None = None) -> bool:
    """Give back the use an unpaid order (or subscription) had reserved (in the caller's
    transaction)."""
    if order_id is not None:
        where = DiscountRedemption.order_id == order_id
    else:
        where = DiscountRedemption.subscription_id == subscription_id
    redemption = db.session.scalar(select(DiscountRedemption).where(where))
    if redemption is None:
        return False
    db.session.execute(
        update(DiscountCode)
        .where(DiscountCode.id == redemption.discount_id, DiscountCode.times_used > 0)
        .values(times_used=DiscountCode.times_used - 1)
        .execution_options(synchronize_session=False)
    )
    db.session.delete(redemption)
    db.session.flush()
    _forget_counter(redemption.discount_id)
    return True


def _forget_counter(discount_id: int) -> None:
    """The counter moved in SQL: make a loaded DiscountCode read it again."""
    loaded = db.session.get(DiscountCode, discount_id, populate_existing=False)
    if loaded is not None:
        db.session.expire(loaded, ["times_used"])
