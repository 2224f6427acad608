""" "Tell me when it's back": a visitor leaves an email address on a sold-out size, and the
worker's schedule emails them once when it has stock again, then forgets the request.
However the stock comes back (a cancelled order, an edit in the back office, a delivery),
the next sweep sees it. Operations flush; the edge commits."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from ..db_types import utcnow
from ..extensions import db
from ..notifications import email_link, send_email
from .models import Product, StockAlert, Variant

# Requests nobody could be told about (the size never came back) are forgotten after this.
KEEP_FOR = timedelta(days=183)


class AlertError(ValueError):
    pass


def ask(variant: Variant, email: str, now: datetime | None = None) -> StockAlert:
    """Remember that `email` wants to know when `variant` is back (once per address)."""
    if not variant.is_sold_out:
        raise AlertError("This size is in stock: you can order it now.")
    email = email.strip().lower()
    found = db.session.scalar(select(StockAlert).where(StockAlert.variant_id == variant.id, StockAlert.email == email))
    if found is not None:
        return found
    alert = StockAlert(variant_id=variant.id, email=email, created_at=now or utcnow())
    db.session.add(alert)
    db.session.flush()
    return alert


def send_back_in_stock(now: datetime | None = None) -> int:
    """Email every request whose size has stock again, once: the request is deleted with the
    email recorded in the same transaction. Old requests are forgotten. Returns emails sent."""
    now = now or utcnow()
    alerts = list(
        db.session.scalars(
            select(StockAlert)
            .join(StockAlert.variant)
            .join(Variant.product)
            .where(Variant.stock > 0, Product.is_active)
            .options(selectinload(StockAlert.variant).selectinload(Variant.product))
            .order_by(StockAlert.id)
            .with_for_update(of=StockAlert, skip_locked=True)  # two sweeps never send one twice
        )
    )
    for alert in alerts:
        variant = alert.variant
        send_email(
            alert.email,
            f"Back in stock: {variant.product.name}",
            "back_in_stock",
            product=variant.product,
            variant=variant,
            product_url=email_link("catalog.product", slug=variant.product.slug, variant=variant.sku),
        )
        db.session.delete(alert)
    db.session.execute(delete(StockAlert).where(StockAlert.created_at < now - KEEP_FOR))
    db.session.flush()
    return len(alerts)
