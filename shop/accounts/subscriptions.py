"""Where accounts meet Culture Box subscriptions (shop.subscriptions, issue 5): listing,
the data export, and what deleting an account does to them."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import User
from .orders import ANONYMISED_EMAIL, ANONYMISED_LINE, ANONYMISED_NAME


def subscription_model():
    """The Subscription model once subscriptions belong to accounts, else None."""
    from ..subscriptions import models

    model = getattr(models, "Subscription", None)
    return model if model is not None and hasattr(model, "user_id") else None


def user_subscriptions(user: User) -> list | None:
    """The customer's subscriptions, newest first; None while the shop has none (the
    account page then shows no subscriptions section)."""
    model = subscription_model()
    if model is None:
        return None
    query = (select(model).where(model.user_id == user.id).order_by(model.id.desc())
             .options(selectinload(model.plan), selectinload(model.periods)))
    return list(db.session.scalars(query))


def export_subscriptions(user: User) -> list[dict]:
    return [
        {
            "plan": s.plan.name if s.plan else None,
            "status": s.status.value,
            "email": s.email,
            "first_month": s.first_month.isoformat(),
            "ship_to": {
                "name": s.ship_name, "line1": s.ship_line1, "line2": s.ship_line2, "city": s.ship_city,
                "postcode": s.ship_postcode, "country": s.ship_country,
            },
            "gift_message": s.gift_message,
            "created_at": s.created_at.isoformat(),
        }
        for s in user_subscriptions(user) or []
    ]


def running_subscriptions(user: User) -> list:
    """Subscriptions that still bill or ship: an account with one cannot be deleted yet."""
    return [s for s in user_subscriptions(user) or [] if s.status.value != "ended"]


def anonymise_ended_subscriptions(user: User) -> int:
    """Detach the account's ended subscriptions and remove the person's details from them.
    Does not commit (the caller does)."""
    subscriptions = user_subscriptions(user) or []
    for s in subscriptions:
        s.user_id = None
        s.email = ANONYMISED_EMAIL
        s.ship_name = ANONYMISED_NAME
        s.ship_line1 = ANONYMISED_LINE
        s.ship_line2 = ""
        s.ship_city = ANONYMISED_LINE
        s.ship_postcode = ""
        s.gift_message = None
    db.session.flush()
    return len(subscriptions)
