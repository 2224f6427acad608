"""The back office at /admin: an edge like the storefront's views, calling the same area
operations and committing once per request. See docs/admin.md."""

from flask import Flask, render_template, request
from werkzeug.exceptions import MethodNotAllowed, NotFound


def _hide_admin_methods(error: MethodNotAllowed):
    """A wrong method on an /admin URL is the same 404 as everything else there for anyone
    but an admin, so the back office's URLs cannot be probed."""
    from .blueprint import is_admin

    if (request.path == "/admin" or request.path.startswith("/admin/")) and not is_admin():
        error = NotFound()
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    return render_template(template, error=error), error.code


def init_app(app: Flask) -> None:
    # Wrong codes allowed per admin account before they must wait (Flask-Limiter syntax).
    app.config.setdefault("ADMIN_SECOND_FACTOR_LIMIT", "5 per 15 minutes")
    # How long a passed second factor lasts in one browser session.
    app.config.setdefault("ADMIN_SECOND_FACTOR_HOURS", 12)
    app.register_error_handler(MethodNotAllowed, _hide_admin_methods)
