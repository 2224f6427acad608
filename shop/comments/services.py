"""Comments on posts: plain text, moderated, with replies one level deep.

A commenter's first comment waits for moderation; once one of theirs has been approved, the
next ones from the same email address appear at once. Moving a comment between pending,
approved and spam goes through `transition` (the allowed moves below). When a reply is
approved, the author of the comment it answers is emailed once, if they asked to be, with a
one-click unsubscribe link. Operations flush; the edge commits.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..blog.models import Post
from ..core.forms import LARGEST_ID, MAX_EMAIL
from ..db_types import utcnow
from ..extensions import db
from ..notifications import email_link, send_email
from .models import Comment, CommentStatus

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe's alphabet
MAX_NAME = 80
MAX_WEBSITE = 200
MIN_BODY, MAX_BODY = 2, 3000

ALLOWED_MOVES = {
    CommentStatus.PENDING: {CommentStatus.APPROVED, CommentStatus.SPAM},
    CommentStatus.APPROVED: {CommentStatus.SPAM},
    CommentStatus.SPAM: {CommentStatus.APPROVED},
}


class CommentError(ValueError):
    """A comment the shop will not take, or a move the moderation rules do not allow."""


@dataclass(frozen=True)
class NewComment:
    post_id: int
    name: str
    email: str
    body: str
    website: str | None = None
    parent_id: int | None = None
    notify_replies: bool = False


def _check(new: NewComment) -> None:
    if not new.name.strip() or len(new.name) > MAX_NAME:
        raise CommentError(f"Enter your name ({MAX_NAME} characters at most).")
    if "@" not in new.email or len(new.email) > MAX_EMAIL:
        raise CommentError("Enter an email address like name@example.com.")
    if new.website and (len(new.website) > MAX_WEBSITE or not new.website.startswith(("http://", "https://"))):
        raise CommentError("A website starts with http:// or https://.")
    if not MIN_BODY <= len(new.body.strip()) <= MAX_BODY:
        raise CommentError(f"Write a comment of {MIN_BODY} to {MAX_BODY:,} characters.")


def _has_approved_comment(email: str) -> bool:
    query = select(func.count()).where(Comment.author_email == email, Comment.status == CommentStatus.APPROVED)
    return bool(db.session.scalar(query))


def add_comment(new: NewComment, now: datetime | None = None) -> Comment:
    """Take a comment on a published post. It waits for moderation unless its author has had
    a comment approved before."""
    now = now or utcnow()
    _check(new)
    post = db.session.get(Post, new.post_id)
    if post is None or post.published_at is None or post.published_at > now:
        raise CommentError("This post is not open for comments.")
    parent = None
    if new.parent_id is not None:
        parent = db.session.get(Comment, new.parent_id)
        if parent is None or parent.post_id != post.id or parent.status is not CommentStatus.APPROVED:
            raise CommentError("The comment you are replying to is not there any more.")
        parent = parent.parent or parent  # one level deep
    email = new.email.strip().lower()
    trusted = _has_approved_comment(email)
    comment = Comment(
        post_id=post.id,
        parent=parent,
        author_name=new.name.strip(),
        author_email=email,
        author_website=(new.website or "").strip() or None,
        body=new.body.strip(),
        notify_replies=new.notify_replies,
        unsubscribe_token=secrets.token_urlsafe(24),
        created_at=now,
        status=CommentStatus.PENDING,
    )
    db.session.add(comment)
    db.session.flush()
    if trusted:
        transition(comment, CommentStatus.APPROVED, now)
    return comment


def transition(comment: Comment, to: CommentStatus, now: datetime | None = None) -> None:
    """Moderate: the one place a comment's status changes."""
    if to not in ALLOWED_MOVES[comment.status]:
        raise CommentError(f"A comment that is {comment.status.label.lower()} cannot become {to.label.lower()}.")
    now = now or utcnow()
    comment.status = to
    if to is CommentStatus.APPROVED:
        comment.approved_at = comment.approved_at or now
        _tell_parent_author(comment, now)
    db.session.flush()


def delete(comment: Comment) -> None:
    """Remove a comment for good (its replies go with it)."""
    db.session.delete(comment)
    db.session.flush()


def _tell_parent_author(reply: Comment, now: datetime) -> None:
    parent = reply.parent
    if parent is None or reply.reply_notified_at is not None:
        return
    if not parent.notify_replies or parent.status is not CommentStatus.APPROVED:
        return
    if parent.author_email == reply.author_email:
        return  # answering oneself
    unsubscribe_url = email_link("comments.unsubscribe", token=parent.unsubscribe_token)
    send_email(
        parent.author_email,
        f"{reply.author_name} replied to your comment on “{parent.post.title}”",
        "comment_reply",
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        parent=parent,
        reply=reply,
        post=parent.post,
        reply_url=email_link("blog.post", slug=parent.post.slug, _anchor=f"comment-{reply.id}"),
        unsubscribe_url=unsubscribe_url,
    )
    reply.reply_notified_at = now


def by_unsubscribe_token(token: str) -> Comment | None:
    if not TOKEN.fullmatch(token):
        return None  # not one we made (and nothing a database should be asked about)
    return db.session.scalar(select(Comment).where(Comment.unsubscribe_token == token))


def unsubscribe(token: str) -> Comment | None:
    """Stop reply emails to the address that left this comment (all its comments)."""
    comment = by_unsubscribe_token(token)
    if comment is None:
        return None
    db.session.execute(update(Comment).where(Comment.author_email == comment.author_email).values(notify_replies=False))
    db.session.flush()
    return comment


def by_id(comment_id: int | None) -> Comment | None:
    if not comment_id or not 0 < comment_id <= LARGEST_ID:
        return None  # not a number a row can have
    return db.session.get(Comment, comment_id)


def approved_thread(post: Post) -> list[Comment]:
    """The post's approved top-level comments, oldest first; each one's approved replies are
    in `approved_replies`, oldest first."""
    query = (
        select(Comment)
        .where(Comment.post_id == post.id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    )
    comments = list(db.session.scalars(query))
    by_parent: dict[int | None, list[Comment]] = {}
    for comment in comments:
        by_parent.setdefault(comment.parent_id, []).append(comment)
    top = by_parent.get(None, [])
    for comment in top:
        comment.approved_replies = by_parent.get(comment.id, [])
    return top


def waiting(post: Post, ids: list[int]) -> list[Comment]:
    """Of the comments this visitor left (ids kept in their session), those still waiting."""
    if not ids:
        return []
    query = (
        select(Comment)
        .where(Comment.id.in_(ids), Comment.post_id == post.id, Comment.status == CommentStatus.PENDING)
        .order_by(Comment.created_at)
    )
    return list(db.session.scalars(query))


def queue(status: CommentStatus = CommentStatus.PENDING, limit: int = 100) -> list[Comment]:
    """The moderation queue: oldest first, with each comment's post and parent."""
    query = (
        select(Comment)
        .where(Comment.status == status)
        .options(selectinload(Comment.post), selectinload(Comment.parent))
        .order_by(Comment.created_at, Comment.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def count_by_status() -> dict[CommentStatus, int]:
    rows = db.session.execute(select(Comment.status, func.count()).group_by(Comment.status))
    counts = dict.fromkeys(CommentStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


# In escaped text: a link ends at white space or at an escaped < > " ' (&lt; &gt; &#34; &#39;).
_LINK = re.compile(r"https?://(?:(?!&(?:lt|gt|#34|#39|quot);)[^\s<>\"'])+")
_TRAILING = ".,;:!?)]}'\""


def _link(match: re.Match) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in _TRAILING:
        url, tail = url[:-1], url[-1] + tail
    return f'<a href="{url}" rel="nofollow ugc">{url}</a>{tail}'


def render_body(text: str) -> Markup:
    """A comment as HTML: plain text escaped (markup shows as typed), web addresses as links
    search engines do not follow, paragraphs and line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    html = []
    for paragraph in paragraphs:
        escaped = str(escape(paragraph.strip()))  # & < > " ' escaped first; links are found in the escaped text
        html.append("<p>" + _LINK.sub(_link, escaped).replace("\n", "<br>\n") + "</p>")
    return Markup("\n".join(html))
