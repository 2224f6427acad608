"""The back office's one blueprint, at /admin, and the gate in front of every page of it.

Everything under /admin answers 404 — as if it did not exist — unless the visitor is signed
in as an admin (`User.is_admin`). An admin who has not yet passed the second factor in this
session is sent to it first (the only two pages open before it). The pages themselves live
in admin/views/, one module per area, all adding routes to this blueprint.
"""

import hashlib
import time

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import current_user

bp = Blueprint("admin", __name__, url_prefix="/admin")

SESSION_KEY = "admin_second_factor"
# The pages an admin reaches after the password and before the second factor.
BEFORE_SECOND_FACTOR = frozenset({"admin.second_factor", "admin.second_factor_setup"})

# The navigation, in order: (label, route module). A section shows once its module in
# admin/views/ is loaded; it links to the module's landing view, named like the module
# (`admin.orders` in views/orders.py), and is highlighted on every page of that module.
NAV = [
    ("Dashboard", "dashboard"),
    ("Orders", "orders"),
    ("Catalogue", "catalogue"),
    ("Culture Box", "culture_box"),
    ("Subscriptions", "subscriptions"),
    ("Shipping", "shipping"),
    ("Discounts", "discounts"),
    ("Blog", "blog"),
    ("Comments", "comments"),
    ("Reports", "reports"),
    ("Exports", "exports"),
    ("Audit", "audit"),
]


def is_admin() -> bool:
    return bool(current_user.is_authenticated and current_user.is_admin)


def _session_mark() -> str:
    # Tied to this browser's login session: signing in again (as anyone), or a password
    # change (which closes every session), needs the second factor again.
    return hashlib.sha256(f"second-factor:{current_user.get_id()}".encode()).hexdigest()[:32]


def second_factor_passed() -> bool:
    mark = session.get(SESSION_KEY)
    if not is_admin() or not isinstance(mark, dict) or mark.get("who") != _session_mark():
        return False
    max_age = current_app.config["ADMIN_SECOND_FACTOR_HOURS"] * 3600
    return time.time() - float(mark.get("at", 0)) < max_age


def pass_second_factor() -> None:
    session[SESSION_KEY] = {"who": _session_mark(), "at": int(time.time())}


@bp.before_request
def admins_only():
    if not is_admin():
        abort(404)
    if request.endpoint in BEFORE_SECOND_FACTOR or second_factor_passed():
        return None
    target = request.full_path if request.method == "GET" else None
    return redirect(url_for("admin.second_factor", next=target), 303)


@bp.after_request
def not_cached(response):
    # Orders, addresses and refunds: never kept by a browser or a shared cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.context_processor
def navigation():
    views = current_app.view_functions
    nav = [(label, f"admin.{module}") for label, module in NAV if f"admin.{module}" in views]
    view = views.get(request.endpoint or "")
    module = getattr(view, "__module__", "").rpartition(".")[2]
    return {"admin_nav": nav, "admin_nav_current": f"admin.{module}", "admin_nav_shown": second_factor_passed()}
