"""One-click unsubscribe from reply emails. (The comment form is on the post page.)"""

from flask import Blueprint, abort, render_template, request

from ..extensions import csrf, db
from . import services

bp = Blueprint("comments", __name__)


@bp.route("/comments/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail programs post List-Unsubscribe=One-Click without a form: the token is the check
def unsubscribe(token: str):
    if request.method == "GET":
        comment = services.by_unsubscribe_token(token)
        if comment is None:
            abort(404)
        return render_template("comments/unsubscribe.html", comment=comment, done=False)
    comment = services.unsubscribe(token)
    if comment is None:
        abort(404)
    db.session.commit()
    return render_template("comments/unsubscribe.html", comment=comment, done=True)
