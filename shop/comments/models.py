import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..blog.models import Post
from ..db_types import enum_by_value, utcnow
from ..extensions import db


class CommentStatus(enum.Enum):
    PENDING = "pending"  # waiting for moderation: shown to no one but its author's browser
    APPROVED = "approved"
    SPAM = "spam"

    @property
    def label(self) -> str:
        return {"pending": "Waiting for moderation", "approved": "Approved", "spam": "Spam"}[self.value]


class Comment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    # A reply names the comment it answers; replies are one level deep (a reply to a reply
    # answers the same top-level comment).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_name: Mapped[str] = mapped_column(String(80))
    author_email: Mapped[str] = mapped_column(String(254), index=True)  # never shown
    author_website: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # plain text, shown escaped
    status: Mapped[CommentStatus] = mapped_column(
        enum_by_value(CommentStatus), default=CommentStatus.PENDING, index=True
    )
    # Email the author when a reply to this comment is approved; the token unsubscribes.
    notify_replies: Mapped[bool] = mapped_column(default=False)
    unsubscribe_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    approved_at: Mapped[datetime | None]
    # When the parent's author was told of this reply: they are told once, whatever happens after.
    reply_notified_at: Mapped[datetime | None]

    post: Mapped[Post] = relationship()
    parent: Mapped["Comment | None"] = relationship(remote_side=[id], back_populates="replies")
    replies: Mapped[list["Comment"]] = relationship(
        back_populates="parent", order_by="Comment.created_at", cascade="all, delete-orphan", passive_deletes=True
    )
