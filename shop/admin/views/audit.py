"""The audit trail: every admin action, newest first, filtered by admin or action."""

from flask import render_template
from sqlalchemy import select

from ...accounts.models import User
from ...core.forms import options
from ...extensions import db
from ..blueprint import bp
from ..forms import AuditFilters
from ..lists import keyset_page
from ..models import AdminAction


@bp.get("/audit")
def audit():
    filters = AuditFilters()
    admins = db.session.execute(select(User.id, User.email).where(User.is_admin).order_by(User.email)).all()
    filters.admin.choices = options([("", "Every admin")] + [(str(a.id), a.email) for a in admins])
    actions = db.session.scalars(select(AdminAction.action).distinct().order_by(AdminAction.action)).all()
    filters.action.choices = options([("", "Every action")] + [(a, a) for a in actions])
    values = filters.values()
    stmt = select(AdminAction)
    if (admin := values["admin"] or "").isdigit() and len(admin) < 10:
        stmt = stmt.where(AdminAction.admin_id == int(admin))
    if values["action"]:
        stmt = stmt.where(AdminAction.action == values["action"])
    page = keyset_page(stmt, AdminAction.id)
    return render_template("admin/audit.html", filters=filters, page=page)
