from flask import Flask


def init_app(app: Flask) -> None:
    from . import (
        account_views,  # the subscriber's pages under /account/subscriptions
        accounts,
        demo_sales,
        services,
        stripe_events,  # noqa: F401  (registers its handlers)
        views,
    )
    from .cli import box_cli
    from .models import PlanKind, SubscriptionStatus

    demo_sales.register()
    app.register_blueprint(views.bp)
    app.register_blueprint(account_views.bp)
    app.cli.add_command(box_cli)
    app.jinja_env.globals["box_price_from"] = services.box_price_from
    app.jinja_env.globals["SubscriptionStatus"] = SubscriptionStatus
    app.jinja_env.globals["PlanKind"] = PlanKind
    accounts.connect()
