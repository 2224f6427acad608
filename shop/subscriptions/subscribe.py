"""Subscribing to the Culture Box (or giving it): choose → review the quote → pay.

What the customer chose lives in the session as a `BoxChoice` until they pay, so a
declined or abandoned payment brings them back to it. Paying creates the Subscription
(pending payment) and hands it to the payment gateway; the payment itself arrives later,
from a Stripe webhook or the demo payment page, through lifecycle.record_payment.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import select

from ..blog.attribution import NO_TOUCH, Touches
from ..core.addresses import PostalAddress
from ..core.calendar import add_months, billing_at
from ..db_types import utcnow
from ..discounts import services as discounts
from ..extensions import db
from ..payments import CheckoutRedirect, get_gateway
from ..shipping import services as shipping
from . import gifts, lifecycle
from .lifecycle import SubscriptionError
from .models import Plan, PlanKind, Subscription
from .models import SubscriptionStatus as S
from .pricing import BoxQuote, quote, sell_at
from .services import first_box_month

GIFT_START_CHOICES = 3  # a gift can start with any of the next three open boxes
ACTOR = "customer"


@dataclass(frozen=True)
class BoxChoice:
    plan_code: str
    ship_to: PostalAddress
    first_month: str | None = None  # "YYYY-MM", gifts only
    gift_message: str | None = None
    discount_code: str | None = None
    recipient_email: str | None = None  # a gift sent by email: ship_to holds their name and country
    gift_from: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "BoxChoice | None":
        try:
            return cls(**(data | {"ship_to": PostalAddress(**data["ship_to"])})) if data else None
        except (TypeError, KeyError):  # a session written by an older version of this form
            return None


@dataclass(frozen=True)
class PricedChoice:
    choice: BoxChoice
    plan: Plan
    quote: BoxQuote
    first_month: date
    first_renewal_at: datetime | None  # None: a gift, paid once


def gift_start_months(now: datetime) -> list[date]:
    first = first_box_month(now)
    return [add_months(first, n) for n in range(GIFT_START_CHOICES)]


def plan_by_code(code: str, *, gift: bool | None = None) -> Plan | None:
    plan = db.session.scalar(select(Plan).where(Plan.code == code, Plan.is_active))
    if plan is None or (gift is not None and (plan.kind is PlanKind.GIFT) != gift):
        return None
    return plan


class DiscountRefused(SubscriptionError):
    """The discount code cannot be used; the message goes on the code's field."""


def price(choice: BoxChoice, now: datetime | None = None, *, email: str = "") -> PricedChoice:
    """What the choice costs and when its boxes come. Raises SubscriptionError with a
    message for the customer (a plan no longer sold, a country not shipped to, ...), or
    DiscountRefused for a code that cannot be used by `email` now."""
    now = now or utcnow()
    plan = plan_by_code(choice.plan_code)
    if plan is None:
        raise SubscriptionError("That plan is not available any more: please choose another.")
    try:
        box_quote = quote(plan, choice.ship_to.country, now)
    except shipping.ShippingError as error:
        raise SubscriptionError(str(error)) from None
    if choice.discount_code:
        try:
            code = discounts.find_usable(choice.discount_code, email, now)
            box_quote = quote(plan, choice.ship_to.country, now, discount=code)
        except discounts.DiscountError as error:
            raise DiscountRefused(str(error)) from None
    first_month = first_box_month(now)
    if plan.kind is PlanKind.GIFT and choice.recipient_email:
        pass  # its boxes start from the first box still open when it is claimed (gifts.claim)
    elif plan.kind is PlanKind.GIFT:
        starts = {f"{m:%Y-%m}": m for m in gift_start_months(now)}
        if choice.first_month not in starts:
            raise SubscriptionError("Please choose which box the gift starts with.")
        first_month = starts[choice.first_month]
    first_renewal_at = billing_at(add_months(first_month, plan.months)) if plan.renews else None
    return PricedChoice(choice, plan, box_quote, first_month, first_renewal_at)


def start(
    user,
    choice: BoxChoice,
    *,
    urls: Callable[[Subscription], tuple[str, str]],
    now: datetime | None = None,
    touches: Touches = NO_TOUCH,
) -> tuple[Subscription, CheckoutRedirect]:
    """Create the pending subscription, crediting the blog posts in `touches`, and start its
    first payment. `urls(sub)` gives the (success, cancel) pages. Flushes; the caller
    commits, or rolls back on SubscriptionError or PaymentError (the provider refused), and
    then nothing is kept."""
    _end_unpaid_attempts(user)  # first, so their reserved discount uses are given back
    priced = price(choice, now, email=user.email)
    is_gift = priced.plan.kind is PlanKind.GIFT
    sub = Subscription(
        plan=priced.plan,
        user_id=user.id,
        email=user.email,
        first_month=priced.first_month,
        gift_message=(choice.gift_message or None) if is_gift else None,
        provider=get_gateway().name,
        first_touch_post_id=touches.first_post_id,
        last_touch_post_id=touches.last_post_id,
        **choice.ship_to.columns(),
    )
    if is_gift and choice.recipient_email:
        sub.recipient_email = choice.recipient_email.strip()
        sub.gift_from = (choice.gift_from or user.name or "").strip() or None
        sub.claim_nonce = gifts.new_nonce()
    sell_at(sub, priced.quote)
    db.session.add(sub)
    db.session.flush()
    if priced.quote.discount is not None:
        try:
            discounts.reserve(
                discounts.by_code(priced.quote.discount.code),
                subscription_id=sub.id,
                email=user.email,
                amount_pence=priced.quote.discount.amount_pence,
            )
        except discounts.DiscountError as error:
            raise DiscountRefused(str(error)) from None
    lifecycle.record(
        sub, "created", actor=ACTOR, detail=f"{priced.plan.code} to {sub.ship_country}, from {priced.first_month:%Y-%m}"
    )
    success_url, cancel_url = urls(sub)
    redirect = get_gateway().start_subscription_payment(
        sub, priced.quote, first_renewal_at=priced.first_renewal_at, success_url=success_url, cancel_url=cancel_url
    )
    sub.checkout_reference = redirect.reference
    db.session.flush()
    return sub, redirect


def choice_of(sub: Subscription) -> BoxChoice:
    """What the customer chose for an attempt still waiting for payment, to finish paying
    for it from the review page (re-priced for today: a box whose cutoff has passed moves on)."""
    if sub.status is not S.PENDING_PAYMENT:
        raise SubscriptionError("This subscription is not waiting for a payment.")
    gift = sub.plan.kind is PlanKind.GIFT
    return BoxChoice(
        plan_code=sub.plan.code,
        ship_to=sub.postal_address,
        first_month=f"{sub.first_month:%Y-%m}" if gift else None,
        gift_message=sub.gift_message if gift else None,
    )


def _end_unpaid_attempts(user) -> None:
    """A customer starting again leaves their earlier unpaid attempts behind: close their
    payment pages and end them, so their account shows one subscription, not a trail of
    checkouts, and an old page left open in another tab cannot take money."""
    query = select(Subscription).where(Subscription.user_id == user.id, Subscription.status == S.PENDING_PAYMENT)
    for earlier in db.session.scalars(query):
        get_gateway().close_checkout(earlier.checkout_reference)
        lifecycle.end(earlier, actor=ACTOR, reason="replaced by a new checkout")
