"""The schedule, run by `flask jobs worker` instead of cron lines. Edge code: each entry
runs in its own app context and commits once; only the worker imports this module.

| when (UTC)        | what |
|-------------------|------|
| every minute      | hand over again the jobs the queue lost |
| every 10 minutes  | expire unpaid orders (`flask orders expire-stale`), see expire_after_minutes |
| daily at 09:05    | demo gateway only: take the Culture Box renewals due today (`flask box demo-renew`) |
| daily at 10:00    | remind Culture Box subscribers of a renewal due within BOX_REMINDER_DAYS (prepaid terms, new prices) |
| daily at 03:30    | delete the jobs done more than JOBS_KEEP_DONE_DAYS ago |
"""

import logging
from collections.abc import Callable
from datetime import date

from flask import Flask, current_app
from huey import Huey, crontab

from ..catalog import alerts as stock_alerts
from ..db_types import utcnow
from ..extensions import db
from ..newsletter import services as newsletter
from ..orders import services as orders
from ..payments import demo
from ..subscriptions import demo_sales, reminders
from . import runner

log = logging.getLogger(__name__)


def redispatch_lost_jobs() -> list[int]:
    ids = runner.redispatch_overdue()
    db.session.commit()
    return ids


def prune_done_jobs() -> int:
    deleted = runner.prune_done()
    db.session.commit()
    return deleted


def expire_stale_orders() -> list[str]:
    numbers = orders.expire_stale(orders.expire_after_minutes(current_app.config))
    db.session.commit()
    if numbers:
        log.info("Expired %s unpaid order(s): %s", len(numbers), ", ".join(numbers))
    return numbers


def take_demo_renewals(on: date | None = None) -> demo_sales.RenewalReport | None:
    """Renewals are due at 09:00 UTC on their billing day; with Stripe, Stripe takes them."""
    if not demo.demo_allowed(current_app.config):
        return None
    report = demo_sales.renew_due(on or utcnow().date())
    db.session.commit()
    if report.paid or report.failed:
        log.info("Demo renewals: %s paid, %s declined", len(report.paid), len(report.failed))
    return report


def remind_renewals() -> list[int]:
    """Every gateway: the reminder is the shop's, whoever takes the payment."""
    sent = reminders.send_due(days=current_app.config["BOX_REMINDER_DAYS"])
    db.session.commit()
    if sent:
        log.info("Renewal reminders sent: %s", len(sent))
    return sent


def announce_new_posts() -> list[str]:
    """Published posts (scheduled ones included, once their time comes) go to the newsletter."""
    slugs = [post.slug for post in newsletter.announce_new_posts()]
    db.session.commit()
    if slugs:
        log.info("Announced to the newsletter: %s", ", ".join(slugs))
    return slugs


def send_back_in_stock() -> int:
    sent = stock_alerts.send_back_in_stock()
    db.session.commit()
    if sent:
        log.info("Back-in-stock emails: %s", sent)
    return sent


SCHEDULE: list[tuple[str, crontab, Callable]] = [
    ("redispatch_lost_jobs", crontab(minute="*"), redispatch_lost_jobs),
    ("expire_stale_orders", crontab(minute="*/10"), expire_stale_orders),
    ("take_demo_renewals", crontab(minute="5", hour="9"), take_demo_renewals),
    ("remind_renewals", crontab(minute="0", hour="10"), remind_renewals),
    ("prune_done_jobs", crontab(minute="30", hour="3"), prune_done_jobs),
    ("announce_new_posts", crontab(minute="*/5"), announce_new_posts),
    ("send_back_in_stock", crontab(minute="*/5"), send_back_in_stock),
]


def register(huey: Huey, app: Flask) -> None:
    """Add the schedule to the worker's Huey instance."""
    for name, when, work in SCHEDULE:
        huey.periodic_task(when, name=name)(_in_app_context(app, work))


def _in_app_context(app: Flask, work: Callable) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                work()
            except Exception:
                db.session.rollback()
                raise

    run.__name__ = work.__name__
    return run
