from flask import Flask


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401

    app.register_blueprint(views.bp)
