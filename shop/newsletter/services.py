"""The newsletter, with double opt-in: signing up emails a confirmation link, and only a
confirmed address receives anything else. Every newsletter email has a one-click
unsubscribe link, also in the List-Unsubscribe and List-Unsubscribe-Post headers (RFC 8058),
so mail programs offer their own button. A post is announced once, to the confirmed
subscribers, when it is published (`announce_new_posts`, run by the worker's schedule and
`flask newsletter announce`). Operations flush; the edge commits.
"""

import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Select, select

from ..blog.models import Post
from ..db_types import utcnow
from ..extensions import db
from ..notifications import email_link, send_email
from .models import NewsletterSubscriber, SubscriberStatus

TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # secrets.token_urlsafe's alphabet
CONFIRM_MAX_AGE = timedelta(days=7)
# A confirmation email is not sent again to the same address sooner than this.
RESEND_AFTER = timedelta(minutes=10)


class NewsletterError(ValueError):
    """A link that is unknown or has expired."""


def _token() -> str:
    return secrets.token_urlsafe(24)


def _by_email(email: str) -> NewsletterSubscriber | None:
    return db.session.scalar(select(NewsletterSubscriber).where(NewsletterSubscriber.email == email))


def list_headers(subscriber: NewsletterSubscriber) -> tuple[str, dict[str, str]]:
    """The unsubscribe link and the headers that let a mail program unsubscribe in one click."""
    url = email_link("newsletter.unsubscribe", token=subscriber.unsubscribe_token)
    return url, {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def sign_up(email: str, source: str = "", now: datetime | None = None) -> NewsletterSubscriber:
    """Ask for the newsletter: a confirmation email goes out unless the address is already
    confirmed (the page says the same either way, so it tells no one who subscribes)."""
    now = now or utcnow()
    email = email.strip().lower()
    subscriber = _by_email(email)
    if subscriber is None:
        subscriber = NewsletterSubscriber(email=email, source=source[:40], unsubscribe_token=_token(), created_at=now)
        db.session.add(subscriber)
    elif subscriber.status is SubscriberStatus.CONFIRMED:
        return subscriber
    elif (
        subscriber.status is SubscriberStatus.PENDING
        and subscriber.confirm_sent_at
        and now - subscriber.confirm_sent_at < RESEND_AFTER
    ):
        return subscriber  # one email is enough for now: no mail bombing an address
    subscriber.status = SubscriberStatus.PENDING
    subscriber.confirm_token = _token()
    subscriber.confirm_sent_at = now
    db.session.flush()
    send_email(
        email,
        "Please confirm your Inspire Me Korea newsletter",
        "newsletter_confirm",
        confirm_url=email_link("newsletter.confirm", token=subscriber.confirm_token),
    )
    return subscriber


def pending_by_token(token: str, now: datetime | None = None) -> NewsletterSubscriber:
    now = now or utcnow()
    subscriber = None
    if TOKEN.fullmatch(token):
        subscriber = db.session.scalar(select(NewsletterSubscriber).where(NewsletterSubscriber.confirm_token == token))
    if subscriber is None or subscriber.confirm_sent_at is None or now - subscriber.confirm_sent_at > CONFIRM_MAX_AGE:
        raise NewsletterError("This confirmation link has expired or was already used: sign up again for a new one.")
    return subscriber


def confirm(token: str, now: datetime | None = None) -> NewsletterSubscriber:
    now = now or utcnow()
    subscriber = pending_by_token(token, now)
    subscriber.status = SubscriberStatus.CONFIRMED
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    subscriber.confirm_token = None  # the link works once
    db.session.flush()
    url, headers = list_headers(subscriber)
    send_email(
        subscriber.email,
        "You're on the Inspire Me Korea newsletter",
        "newsletter_welcome",
        headers=headers,
        unsubscribe_url=url,
    )
    return subscriber


def by_unsubscribe_token(token: str) -> NewsletterSubscriber | None:
    if not TOKEN.fullmatch(token):
        return None  # not one we made (and nothing a database should be asked about)
    return db.session.scalar(select(NewsletterSubscriber).where(NewsletterSubscriber.unsubscribe_token == token))


def unsubscribe(token: str, now: datetime | None = None) -> NewsletterSubscriber | None:
    """One click, no questions: no more newsletter emails to this address."""
    subscriber = by_unsubscribe_token(token)
    if subscriber is None:
        return None
    if subscriber.status is not SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = now or utcnow()
        subscriber.confirm_token = None
        db.session.flush()
    return subscriber


def confirmed_subscribers() -> Select:
    """Confirmed subscribers, oldest first: the query behind the back office's export."""
    return (
        select(NewsletterSubscriber)
        .where(NewsletterSubscriber.status == SubscriberStatus.CONFIRMED)
        .order_by(NewsletterSubscriber.confirmed_at, NewsletterSubscriber.id)
    )


def announce_new_posts(now: datetime | None = None) -> list[Post]:
    """Email every confirmed subscriber about each post published since the last run (each
    post once: `Post.announced_at`), one email job per subscriber."""
    now = now or utcnow()
    posts = list(
        db.session.scalars(
            select(Post)
            .where(Post.announced_at.is_(None), Post.published_at.is_not(None), Post.published_at <= now)
            .order_by(Post.published_at)
            .with_for_update(skip_locked=True)  # two workers never announce one post twice
        )
    )
    if not posts:
        return []
    subscribers = list(db.session.scalars(confirmed_subscribers()))
    for post in posts:
        post.announced_at = now
        post_url = email_link("blog.post", slug=post.slug)
        for subscriber in subscribers:
            url, headers = list_headers(subscriber)
            send_email(
                subscriber.email,
                f"New on the blog: {post.title}",
                "newsletter_new_post",
                headers=headers,
                post=post,
                post_url=post_url,
                unsubscribe_url=url,
            )
    db.session.flush()
    return posts
