from flask import Blueprint, Flask

bp = Blueprint("orders", __name__)


def init_app(app: Flask) -> None:
    from . import accounts, cli, demo_sales, stripe_events, views  # noqa: F401  (stripe_events registers its handlers)
    from .models import OrderStatus

    accounts.connect()
    app.jinja_env.globals["OrderStatus"] = OrderStatus

    demo_sales.register()
    app.register_blueprint(bp)
    app.cli.add_command(cli.orders_cli)
