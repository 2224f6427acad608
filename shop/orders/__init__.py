from flask import Blueprint, Flask

bp = Blueprint("orders", __name__)


def init_app(app: Flask) -> None:
    from ..accounts.services import account_closing
    from . import cli, services, views  # noqa: F401
    from .models import OrderStatus

    account_closing.connect(services.anonymise_account_orders)
    app.jinja_env.globals["OrderStatus"] = OrderStatus

    app.register_blueprint(bp)
    app.cli.add_command(cli.orders_cli)
