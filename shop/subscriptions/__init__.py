from flask import Blueprint, Flask

bp = Blueprint("subscriptions", __name__)


def init_app(app: Flask) -> None:
    from . import services, views  # noqa: F401

    app.register_blueprint(bp)
    app.jinja_env.globals["box_price_from"] = services.box_price_from
