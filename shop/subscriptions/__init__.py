from flask import Flask


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401  (addons registers its hook on lifecycle)
        accounts,
        addons,
        demo_sales,
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
