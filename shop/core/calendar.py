"""The UK calendar of the Culture Box: cutoffs, ship days and billing days, in UK time.

Pure date arithmetic. A stored edition's `cutoff_at` is the cutoff that counts; the rule
here (the 10th, 23:59 London time) is the default a new edition is given.
"""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

CUTOFF_DAY = 10  # join by the 10th, 23:59 London time, for that month's box
SHIP_DAY = 15
# Every renewal is taken on one day: the payment for the box of month M is taken at 09:00 UTC
# on the 1st of M, nine days before M's cutoff (time for the card to be retried or fixed) and
# a fortnight before the box ships. See billing_at() and docs/culture-box.md.
BILLING_DAY = 1
BILLING_TIME_UTC = time(9, 0)


def cutoff_for(month: date) -> datetime:
    """The default last moment to join for the box of `month`: the 10th, 23:59 London time."""
    return datetime.combine(month.replace(day=CUTOFF_DAY), time(23, 59, 59), tzinfo=LONDON)


def ships_on(month: date) -> date:
    return month.replace(day=SHIP_DAY)


def billing_at(month: date) -> datetime:
    """When the renewal that pays for the box of `month` is taken: 09:00 UTC on its 1st.

    Stripe repeats a subscription's billing at the same day and UTC time, so anchoring the
    first renewal here puts every renewal of every subscriber on the 1st."""
    return datetime.combine(month.replace(day=BILLING_DAY), BILLING_TIME_UTC, tzinfo=UTC)


def month_of(moment: datetime) -> date:
    """The month (its first day) `moment` falls in, UK time."""
    return moment.astimezone(LONDON).date().replace(day=1)


def first_box_month(now: datetime, cutoff: datetime | None = None) -> date:
    """Joining before this month's cutoff gets this month's box; after it, next month's.
    `cutoff`: this month's stored cutoff, when its edition exists (else the default)."""
    this_month = month_of(now)
    if now <= (cutoff or cutoff_for(this_month)):
        return this_month
    return next_month(this_month)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month` (negative goes back)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def next_month(month: date) -> date:
    return add_months(month, 1)
