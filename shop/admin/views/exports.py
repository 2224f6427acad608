"""Exports: CSV downloads of orders, subscriptions, customers (and whatever else
admin/exports.py registers), streamed."""

from flask import Response, abort, render_template, stream_with_context

from ...core.spreadsheet import stream_csv
from ...db_types import utcnow
from ...extensions import db
from ..audit import record
from ..blueprint import bp
from ..exports import EXPORTS


@bp.get("/exports")
def exports():
    return render_template("admin/exports.html", exports=list(EXPORTS.values()))


@bp.get("/exports/<name>.csv")
def export_csv(name: str):
    found = EXPORTS.get(name)
    if found is None:
        abort(404)
    # A download of personal data is an action worth a line in the audit trail; it is
    # committed before the file starts (the stream runs after this view returns).
    record("export.download", ("export", name))
    db.session.commit()
    filename = f"inspire-me-korea-{name}-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(stream_csv(found.header, found.rows())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
