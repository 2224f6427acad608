from flask import Flask


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401
    from .markdown import render_markdown

    app.register_blueprint(views.bp)
    app.jinja_env.filters["markdown"] = render_markdown
