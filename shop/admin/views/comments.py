"""Comments: the moderation queue. Approve, mark as spam or delete, through the same
operations as `flask comments` (comments/services.py); a reply's approval emails the author
of the comment it answers, if they asked."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...comments import services as comment_ops
from ...comments.models import Comment, CommentStatus
from ...extensions import db
from .. import audit
from ..blueprint import bp
from ..lists import keyset_page

MOVES = {"approve": CommentStatus.APPROVED, "spam": CommentStatus.SPAM, "delete": None}


def _status(value: str | None) -> CommentStatus:
    return next((s for s in CommentStatus if s.value == value), CommentStatus.PENDING)


@bp.get("/comments")
def comments():
    status = _status(request.args.get("status"))  # anything else is the queue
    stmt = (
        select(Comment)
        .where(Comment.status == status)
        .options(selectinload(Comment.post), selectinload(Comment.parent))
    )
    page = keyset_page(stmt, Comment.id)
    return render_template(
        "admin/comments.html",
        page=page,
        status=status,
        counts=comment_ops.count_by_status(),
        moves={name: to for name, to in MOVES.items() if to is None or to in comment_ops.ALLOWED_MOVES[status]},
        render_body=comment_ops.render_body,
    )


@bp.post("/comments/<int:comment_id>/<any(approve, spam, delete):move>")
def comment_action(comment_id: int, move: str):
    comment = comment_ops.by_id(comment_id)
    back = _status(request.form.get("status"))
    if comment is None:
        flash("That comment is not there any more.", "error")
        return redirect(url_for("admin.comments", status=back.value), 303)
    was, post_slug = comment.status, comment.post.slug
    try:
        if MOVES[move] is None:
            audit.record("comment.delete", comment, post=post_slug, author=comment.author_name)
            comment_ops.delete(comment)
        else:
            comment_ops.transition(comment, MOVES[move])
            audit.record(f"comment.{move}", comment, post=post_slug, was=was.value)
    except comment_ops.CommentError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        done = "Deleted" if MOVES[move] is None else MOVES[move].label
        flash(f"{done}: comment #{comment_id} on {post_slug}.", "success")
    return redirect(url_for("admin.comments", status=was.value), 303)
