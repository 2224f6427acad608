"""Which blog post brought a customer, with no third-party tracker.

Reading a published post leaves a touch in the reader's own browser: a small signed cookie
(`post_touch`, HttpOnly, first-party) holding two post ids and when they were read. The
first touch is the post that first brought them (replaced once it is older than
`ATTRIBUTION_DAYS`); the last touch is the post they read most recently. Placing an order
or subscribing copies the touches still within `ATTRIBUTION_DAYS` onto the order or the
subscription, as plain post ids: the report per post reads them from there.

A cookie of its own rather than the session: the session cookie ends when the browser
closes, and making it last a month would also keep a sign-in without "remember me" alive
that long. `ATTRIBUTION_DAYS=0` turns attribution off (no cookie is set or read).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..db_types import utcnow

COOKIE = "post_touch"
_SALT = "post-touch"


@dataclass(frozen=True)
class Touch:
    post_id: int
    at: datetime


@dataclass(frozen=True)
class Touches:
    """The posts a visitor read: the first that brought them and the latest."""

    first: Touch | None = None
    last: Touch | None = None

    @property
    def first_post_id(self) -> int | None:
        return self.first.post_id if self.first else None

    @property
    def last_post_id(self) -> int | None:
        return self.last.post_id if self.last else None

    def fresh(self, now: datetime, days: int) -> "Touches":
        """Without the touches older than `days` (all of them when `days` is 0)."""
        since = now - timedelta(days=days)

        def keep(touch: Touch | None) -> Touch | None:
            return touch if days > 0 and touch is not None and touch.at >= since else None

        return Touches(keep(self.first), keep(self.last))

    def after_reading(self, post_id: int, now: datetime, days: int) -> "Touches":
        kept = self.fresh(now, days)
        return Touches(first=kept.first or Touch(post_id, now), last=Touch(post_id, now))

    def to_data(self) -> dict:
        return {
            name: [touch.post_id, int(touch.at.timestamp())]
            for name, touch in (("first", self.first), ("last", self.last))
            if touch is not None
        }

    @classmethod
    def from_data(cls, data) -> "Touches":
        """Touches from `to_data`'s shape; anything else is no touch at all."""

        def touch(value) -> Touch | None:
            if not (isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)):
                return None
            post_id, at = value
            if not (0 < post_id < 2**31 and 0 <= at < 2**40):
                return None
            return Touch(post_id, datetime.fromtimestamp(at, UTC))

        if not isinstance(data, dict):
            return cls()
        return cls(touch(data.get("first")), touch(data.get("last")))


NO_TOUCH = Touches()


def attribution_days() -> int:
    return max(int(current_app.config["ATTRIBUTION_DAYS"]), 0)


def _serializer() -> URLSafeSerializer:
    return _serializer_for(current_app.secret_key)


@lru_cache(maxsize=8)
def _serializer_for(secret_key) -> URLSafeSerializer:
    # Built once: the cookie is read and written on every reading of a post, a kept one too.
    return URLSafeSerializer(secret_key, salt=_SALT)


def read(cookies: Mapping[str, str], now: datetime | None = None) -> Touches:
    """The visitor's touches still within ATTRIBUTION_DAYS, from their request's cookies. A
    cookie that is missing, altered or unreadable is no touch."""
    days = attribution_days()
    value = cookies.get(COOKIE)
    if not value or days <= 0:
        return Touches()
    try:
        data = _serializer().loads(value)
    except BadSignature:
        return Touches()
    return Touches.from_data(data).fresh(now or utcnow(), days)


def record_reading(response: Response, cookies: Mapping[str, str], post_id: int, now: datetime | None = None) -> None:
    """The visitor read post `post_id`: it becomes their last touch, and their first unless a
    fresh one is kept. The cookie lasts ATTRIBUTION_DAYS from this reading."""
    days = attribution_days()
    if days <= 0:
        return
    now = now or utcnow()
    touches = read(cookies, now).after_reading(post_id, now, days)
    config = current_app.config
    response.set_cookie(
        COOKIE,
        _serializer().dumps(touches.to_data()),
        max_age=days * 86400,
        httponly=True,
        secure=config["SESSION_COOKIE_SECURE"],
        samesite="Lax",
    )
