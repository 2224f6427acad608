"""The box run waits for the edition's cutoff, and a month once run can no longer be
skipped: a box packed early must not also be skipped (and paid for again later)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from shop.extensions import db
from shop.subscriptions import box_run, lifecycle, manage
from shop.subscriptions.lifecycle import SubscriptionError
from shop.subscriptions.models import BoxRun, Edition, Shipment, Skip
from shop.subscriptions.overview import overview

from ..box_factories import make_edition, make_subscription, run_box
from .account_support import (
    FEB,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)
from .test_account_pages import page_of, text

DEC, JAN, FEB_, MAR, APR = (date(2026, 12, 1), *(date(2027, m, 1) for m in (1, 2, 3, 4)))
BEFORE_DECEMBER_CUTOFF = datetime(2026, 11, 30, 12, tzinfo=UTC)


def counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(BoxRun)),
        db.session.scalar(select(func.count()).select_from(Shipment)),
    )


def test_the_run_is_refused_before_the_cutoff_and_writes_nothing(seeded):
    with seeded.app_context():
        dec = make_edition(DEC)
        make_subscription(first_month=DEC)
        with pytest.raises(box_run.BoxRunError) as refused:
            box_run.run(dec, run_by="cli", now=dec.cutoff_at - timedelta(seconds=1))
        assert refused.value.reason == box_run.BoxRunError.BEFORE_CUTOFF
        assert "can't be run yet: its cutoff is 10 December, 23:59 UK time" in str(refused.value)
        db.session.rollback()
        assert counts() == (0, 0)
        assert run_box(dec).created == 1  # after the cutoff it runs


def test_the_cli_refuses_before_the_cutoff_with_a_clear_message_and_no_file(seeded, runner, tmp_path):
    with seeded.app_context():
        make_edition(DEC)
        make_subscription(first_month=DEC)
    csv_path = tmp_path / "dec.csv"
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False):
        result = runner.invoke(args=["box", "run", "2026-12", "--csv", str(csv_path)])
    assert result.exit_code != 0
    assert "The 2026-12 box can't be run yet: its cutoff is 10 December, 23:59 UK time" in result.output
    assert "Nothing was written." in result.output
    assert not csv_path.exists()
    with seeded.app_context():
        assert counts() == (0, 0)


def test_the_cli_runs_after_the_cutoff(seeded, runner, tmp_path):
    with seeded.app_context():
        make_edition(DEC)
        make_subscription(first_month=DEC, name="Ji-woo")
    csv_path = tmp_path / "dec.csv"
    with time_machine.travel(datetime(2026, 12, 11, 9, tzinfo=UTC), tick=False):
        result = runner.invoke(args=["box", "run", "2026-12", "--csv", str(csv_path)])
    assert result.exit_code == 0, result.output
    assert "1 new shipments" in result.output and "Ji-woo" in csv_path.read_text()


def test_a_month_once_run_cannot_be_skipped_even_if_its_cutoff_moves_later(seeded):
    with seeded.app_context():
        dec = make_edition(DEC)
        sub = make_subscription(first_month=DEC)
        run_box(dec)
        dec.cutoff_at = datetime(2026, 12, 20, 23, 59, tzinfo=UTC)  # an admin edits the cutoff afterwards
        db.session.commit()
        now = datetime(2026, 12, 15, tzinfo=UTC)
        assert manage.skippable_edition(sub, now) is None or manage.skippable_edition(sub, now).month != DEC
        with pytest.raises(SubscriptionError, match="The December 2026 box has been packed already"):
            lifecycle.skip(sub, dec, actor="customer", now=now)
        with pytest.raises(SubscriptionError, match="packed already"):
            manage.skip_next_box(sub, offered="2026-12", now=now)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Skip)) == 0
        assert [p.last_month for p in load(sub.id).periods] == [DEC]


def test_a_prepaid_three_subscriber_who_skipped_gets_exactly_three_boxes(seeded):
    with seeded.app_context():
        editions = [make_edition(m) for m in (DEC, JAN, FEB_, MAR, APR)]
        dec = editions[0]
        sub = make_subscription("prepaid-3", first_month=DEC)
        with pytest.raises(box_run.BoxRunError):  # too early: the subscriber may still skip
            box_run.run(dec, run_by="cli", now=BEFORE_DECEMBER_CUTOFF)
        db.session.rollback()
        lifecycle.skip(sub, dec, actor="customer", now=BEFORE_DECEMBER_CUTOFF)
        db.session.commit()
        created = [run_box(e).created for e in editions]
        assert created == [0, 1, 1, 1, 0]
        shipped = db.session.scalars(select(Edition.month).join(Shipment).where(Shipment.subscription_id == sub.id))
        assert sorted(shipped) == [JAN, FEB_, MAR]


def test_the_account_never_shows_a_month_both_skipped_and_shipped(seeded):
    """Even for a skip recorded before the run was guarded (old data), the parcel wins."""
    with seeded.app_context():
        dec = make_edition(DEC)
        sub = make_subscription(first_month=DEC)
        run_box(dec)
        db.session.add(Skip(subscription_id=sub.id, edition_id=dec.id))
        db.session.commit()
        o = overview(sub, now=datetime(2026, 12, 12, tzinfo=UTC))
        assert [s.edition.month for s in o.shipments] == [DEC]
        assert o.skipped == []


def test_the_manage_page_says_why_a_packed_box_cannot_be_skipped(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)
        feb = db.session.scalar(select(Edition).filter_by(month=FEB))
        run_box(feb)
        feb.cutoff_at = datetime(2027, 2, 20, 23, 59, tzinfo=UTC)  # moved later after the run
        db.session.commit()
    with time_machine.travel(datetime(2027, 2, 12, 12, tzinfo=UTC), tick=False):
        signed_in(client)
        page = text(page_of(client, sub_id))
        # February is a past box being packed, not a skippable one; March is next
        assert "The February 2027 box — Theme of February Being packed" in page
        assert "Skip the February box" not in page and "Skip the March box" in page
        response = client.post(f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"})
        assert response.status_code == 302
        page = text(page_of(client, sub_id))
    assert "The February 2027 box has been packed already, so it can no longer be skipped." in page
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Skip)) == 0
