"""The first page an admin sees."""

from flask import render_template

from ..blueprint import bp


@bp.get("")
@bp.get("/", endpoint="dashboard_slash")  # both, so /admin is never a redirect that shows it exists
def dashboard():
    return render_template("admin/dashboard.html")
