from flask import Flask


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401  (addons registers its hook on lifecycle)
        accounts,
        addons,
        demo_sales,
        fulfilment,
        services,
        stripe_events,  # noqa: F401  (registers its handlers)
    )
    from .models import PlanKind, SubscriptionStatus

    demo_sales.register()
    app.jinja_env.globals["box_price_from"] = services.box_price_from
    app.jinja_env.globals["box_plans"] = services.active_plans  # the plan buttons on product cards in posts
    app.jinja_env.globals["SubscriptionStatus"] = SubscriptionStatus
    app.jinja_env.globals["PlanKind"] = PlanKind
    accounts.connect()
    fulfilment.shipment_shipped.connect(_tell_gift_buyer, weak=False)


def _tell_gift_buyer(shipment) -> None:
    """A gift the recipient claimed: its buyer hears of each box (never where it went)."""
    from . import emails

    if shipment.subscription.sent_by_email:
        emails.send_gift_box_shipped(shipment)
