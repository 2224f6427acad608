from flask import Flask


def init_app(app: Flask) -> None:
    from .markdown import render_markdown

    app.jinja_env.filters["markdown"] = render_markdown
