from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def render_error(error: HTTPException):
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    return render_template(template, error=error), error.code


def render_server_error(error: Exception):
    # Unhandled exceptions reach here wrapped as InternalServerError; log and show our page.
    return render_template("errors/500.html"), 500


def init_app(app: Flask) -> None:
    # Where the contact form's messages go, and how often one visitor may send one.
    app.config.setdefault("CONTACT_EMAIL", app.config["MAIL_FROM"])
    app.config.setdefault("CONTACT_RATE_LIMIT", "5 per hour")
    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(500, render_server_error)
