from flask import Flask


def init_app(app: Flask) -> None:
    from .instagram import PROFILE_URL
    from .markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["instagram_profile"] = PROFILE_URL
