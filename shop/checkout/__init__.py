from flask import Blueprint, Flask

bp = Blueprint("checkout", __name__)


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401

    app.register_blueprint(bp)
