"""The Culture Box's emails: a welcome after the first payment, and the arrears notice.

Both take an id and record the email as a job in the transaction that makes it true
(a webhook's or the demo gateway's): the payment and its email commit together, and the
job worker sends it. Links are built on SHOP_BASE_URL, never on a request's Host.
"""

from ..accounts.services import email_link
from ..core.addresses import country_name
from ..db_types import utcnow
from ..extensions import db
from ..notifications import send_email
from . import lifecycle
from .models import Subscription
from .services import edition_for


def _send(subscription_id: int, subject: str, template: str, build_context) -> None:
    sub = db.session.get(Subscription, subscription_id)
    send_email(
        sub.email,
        subject,
        template,
        sub=sub,
        country=country_name(sub.ship_country),
        manage_url=email_link("subscriber.manage", sub_id=sub.id),
        **build_context(sub),
    )


def send_subscription_confirmation(subscription_id: int) -> None:
    """Thank you: the plan, the first box, what was paid, when the next payment is."""

    def context(sub: Subscription) -> dict:
        now = utcnow()
        boxes = lifecycle.upcoming_boxes(sub, now)
        first = boxes[0] if boxes else sub.first_month
        return {
            "first_month": first,
            "edition": edition_for(first),
            "paid": sub.periods[-1] if sub.periods else None,
            "upcoming": lifecycle.next_payment(sub, now),
            "amount_pence": sub.total_pence,
        }

    _send(subscription_id, "Welcome to the Culture Box", "subscription_welcome", context)


def send_arrears_notice(subscription_id: int) -> None:
    """A renewal failed: no box ships until it is paid; the link fixes the card."""

    def context(sub: Subscription) -> dict:
        upcoming = lifecycle.next_payment(sub, utcnow())
        return {
            "card_url": email_link("subscriber.card", sub_id=sub.id),
            "month": upcoming.month if upcoming else None,
            "amount_pence": sub.total_pence,
        }

    _send(subscription_id, "Your Culture Box payment didn't go through", "subscription_arrears", context)
