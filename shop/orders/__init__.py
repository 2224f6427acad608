from flask import Blueprint, Flask

bp = Blueprint("orders", __name__)


def init_app(app: Flask) -> None:
    from . import cli, views  # noqa: F401

    app.register_blueprint(bp)
    app.cli.add_command(cli.orders_cli)
