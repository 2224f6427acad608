"""Where accounts meet Culture Box subscriptions (shop.subscriptions): listing and the
data export. What deleting an account does to them is the subscriptions area's
(it listens to accounts.services.account_closing)."""

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from .models import User


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
