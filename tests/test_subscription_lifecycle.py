from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from shop.extensions import db
from shop.subscriptions import lifecycle
from shop.subscriptions.models import PaidPeriod, Skip
from shop.subscriptions.models import SubscriptionStatus as S

from .box_factories import make_edition, make_subscription

JAN, FEB, MAR, APR, MAY = (date(2027, m, 1) for m in (1, 2, 3, 4, 5))
BEFORE_FEB_CUTOFF = datetime(2027, 2, 10, 23, 58, tzinfo=UTC)  # 23:58 GMT on the 10th
AFTER_FEB_CUTOFF = datetime(2027, 2, 11, 0, 0, tzinfo=UTC)


def test_first_payment_activates_and_the_same_invoice_twice_changes_nothing(seeded):
    with seeded.app_context():
        sub = make_subscription(first_month=JAN, paid=False)
        assert sub.status is S.PENDING_PAYMENT
        args = dict(reference="in_1", first_month=JAN, amount_pence=2499, actor="stripe")
        assert lifecycle.record_payment(sub, **args) is not None
        assert lifecycle.record_payment(sub, **args) is None
        db.session.commit()
        assert sub.status is S.ACTIVE
        assert db.session.scalar(select(func.count()).select_from(PaidPeriod)) == 1
        assert [e.kind for e in sub.events] == ["paid", "status"]


def test_prepaid_payment_covers_its_months_and_the_next_renewal_follows(seeded):
    with seeded.app_context():
        sub = make_subscription("prepaid-3", first_month=JAN)
        assert lifecycle.paid_months(sub) == [JAN, FEB, MAR]
        assert lifecycle.next_unpaid_month(sub) == APR


@pytest.mark.parametrize(
    "start, to, allowed",
    [
        (S.PENDING_PAYMENT, S.ACTIVE, True),
        (S.PENDING_PAYMENT, S.PAUSED, False),
        (S.ACTIVE, S.PAUSED, True),
        (S.ACTIVE, S.ARREARS, True),
        (S.PAUSED, S.ARREARS, False),
        (S.ARREARS, S.ACTIVE, True),
        (S.ENDED, S.ACTIVE, False),
    ],
)
def test_transitions_follow_the_allowed_moves_and_leave_an_event(seeded, start, to, allowed):
    with seeded.app_context():
        sub = make_subscription(first_month=JAN, paid=False)
        sub.status = start
        db.session.flush()
        if allowed:
            lifecycle.transition(sub, to, actor="admin", reason="test")
            assert sub.status is to
            assert (sub.events[-1].from_status, sub.events[-1].to_status) == (start.value, to.value)
        else:
            with pytest.raises(lifecycle.StateError):
                lifecycle.transition(sub, to, actor="admin")
            assert sub.status is start


def test_skip_before_the_cutoff_and_not_after(seeded):
    with seeded.app_context():
        feb = make_edition(FEB)
        sub = make_subscription(first_month=JAN)
        lifecycle.skip(sub, feb, actor="customer", now=BEFORE_FEB_CUTOFF)
        with pytest.raises(lifecycle.SubscriptionError, match="already skipped"):
            lifecycle.skip(sub, feb, actor="customer", now=BEFORE_FEB_CUTOFF)
        other = make_subscription(first_month=JAN)
        with pytest.raises(lifecycle.SubscriptionError, match="passed its cutoff"):
            lifecycle.skip(other, feb, actor="customer", now=AFTER_FEB_CUTOFF)
        assert db.session.scalar(select(func.count()).select_from(Skip)) == 1


def test_skipping_a_prepaid_box_moves_it_to_the_end_of_the_term(seeded):
    with seeded.app_context():
        feb = make_edition(FEB)
        sub = make_subscription("prepaid-3", first_month=JAN)
        lifecycle.skip(sub, feb, actor="customer", now=BEFORE_FEB_CUTOFF)
        db.session.commit()
        assert (sub.periods[0].first_month, sub.periods[0].last_month) == (JAN, APR)
        assert lifecycle.next_unpaid_month(sub) == MAY


def test_pause_resume_and_cancel(seeded):
    with seeded.app_context():
        sub = make_subscription(first_month=JAN)
        lifecycle.pause(sub, actor="customer")
        with pytest.raises(lifecycle.SubscriptionError):
            lifecycle.skip(sub, make_edition(FEB), actor="customer", now=BEFORE_FEB_CUTOFF)
        lifecycle.resume(sub, actor="customer")
        lifecycle.cancel_at_period_end(sub, actor="customer")
        with pytest.raises(lifecycle.SubscriptionError, match="already set to end"):
            lifecycle.cancel_at_period_end(sub, actor="customer")
        assert sub.status is S.ACTIVE and sub.cancel_at_period_end
        assert lifecycle.mark_arrears(sub, actor="stripe", reason="declined") is True
        assert lifecycle.mark_arrears(sub, actor="stripe", reason="declined again") is False
        assert lifecycle.end(sub, actor="stripe", reason="deleted") is True
        assert lifecycle.end(sub, actor="stripe", reason="deleted") is False


def test_a_payment_steps_over_months_already_skipped(seeded):
    """Skipping a box nobody has paid for yet: the next renewal pays the month after it, and
    a prepaid term paid after the skip still buys three boxes."""
    with seeded.app_context():
        feb, apr = make_edition(FEB), make_edition(APR)
        monthly = make_subscription(first_month=JAN)
        lifecycle.skip(monthly, feb, actor="customer", now=datetime(2027, 1, 20, tzinfo=UTC))
        assert lifecycle.next_unpaid_month(monthly) == MAR
        prepaid = make_subscription("prepaid-3", first_month=JAN)  # January to March
        lifecycle.skip(prepaid, apr, actor="customer", now=datetime(2027, 1, 20, tzinfo=UTC))
        lifecycle.record_payment(prepaid, reference="in_renewal", first_month=APR, amount_pence=7047, actor="test")
        assert [(p.first_month, p.last_month) for p in prepaid.periods] == [(JAN, MAR), (MAY, date(2027, 7, 1))]
        assert lifecycle.upcoming_boxes(prepaid, datetime(2027, 3, 2, tzinfo=UTC)) == [
            MAR,
            MAY,
            date(2027, 6, 1),
            date(2027, 7, 1),
        ]


@pytest.mark.parametrize(
    "paid_at, pays_from",
    [
        (datetime(2027, 2, 1, 9, 0, tzinfo=UTC), FEB),  # on the billing day
        (BEFORE_FEB_CUTOFF, FEB),  # a retry that succeeds before the cutoff
        (AFTER_FEB_CUTOFF, MAR),  # too late for February's box: it pays March's
        (datetime(2027, 5, 2, tzinfo=UTC), MAY),  # resumed months later
    ],
)
def test_a_payment_never_buys_a_box_past_its_cutoff(seeded, paid_at, pays_from):
    with seeded.app_context():
        sub = make_subscription(first_month=JAN)  # January paid; February is next
        assert lifecycle.month_for_payment(sub, paid_at) == pays_from


def test_next_payment_is_on_the_billing_day_and_absent_when_nothing_renews(seeded):
    with seeded.app_context():
        monthly = make_subscription(first_month=JAN)
        upcoming = lifecycle.next_payment(monthly, datetime(2027, 1, 5, tzinfo=UTC))
        assert (upcoming.month, upcoming.due_at) == (FEB, datetime(2027, 2, 1, 9, 0, tzinfo=UTC))
        assert not upcoming.is_overdue(datetime(2027, 1, 5, tzinfo=UTC))
        gift = make_subscription("gift-3", first_month=JAN)
        assert lifecycle.next_payment(gift) is None
        lifecycle.cancel_at_period_end(monthly, actor="customer")
        assert lifecycle.next_payment(monthly) is None
