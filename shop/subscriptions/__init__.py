from flask import Blueprint, Flask

bp = Blueprint("subscriptions", __name__)


def init_app(app: Flask) -> None:
    from . import (  # noqa: F401  (stripe_events registers its handlers)
        account_views,  # noqa: F401  (the subscriber's pages under /account/subscriptions)
        accounts,
        demo_sales,
        services,
        stripe_events,
        views,
    )
    from .cli import box_cli
    from .models import PlanKind, SubscriptionStatus

    demo_sales.register()
    app.register_blueprint(bp)
    app.cli.add_command(box_cli)
    app.jinja_env.globals["box_price_from"] = services.box_price_from
    app.jinja_env.globals["SubscriptionStatus"] = SubscriptionStatus
    app.jinja_env.globals["PlanKind"] = PlanKind
    accounts.connect()
