from flask import Blueprint, Flask

bp = Blueprint("blog", __name__)


def init_app(app: Flask) -> None:
    from . import views  # noqa: F401
    from .markdown import render_markdown

    app.register_blueprint(bp)
    app.jinja_env.filters["markdown"] = render_markdown
