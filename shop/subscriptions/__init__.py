from flask import Blueprint, Flask

bp = Blueprint("subscriptions", __name__)


def init_app(app: Flask) -> None:
    from ..accounts.services import account_closing
    from . import manage, services, views  # noqa: F401
    from . import account_views  # noqa: F401  (the subscriber's pages under /account/subscriptions)
    from .cli import box_cli
    from .models import SubscriptionStatus

    app.register_blueprint(bp)
    app.cli.add_command(box_cli)
    app.jinja_env.globals["box_price_from"] = services.box_price_from
    app.jinja_env.globals["SubscriptionStatus"] = SubscriptionStatus
    account_closing.connect(manage.close_account)
