import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from shop.extensions import db
from shop.subscriptions import box_run, lifecycle
from shop.subscriptions.models import BoxRun, Shipment, SubscriptionStatus

from .box_factories import make_edition, make_subscription, run_box

JAN, FEB, MAR, APR = (date(2027, m, 1) for m in (1, 2, 3, 4))
BEFORE_JAN_CUTOFF = datetime(2027, 1, 5, 12, tzinfo=UTC)
AFTER_JAN_CUTOFF = datetime(2027, 1, 11, 9, tzinfo=UTC)


def shipped_names(edition):
    return set(db.session.scalars(select(Shipment.ship_name).where(Shipment.edition_id == edition.id)))


def test_run_ships_exactly_the_entitled_subscriptions(seeded):
    with seeded.app_context():
        jan = make_edition(JAN)
        make_subscription(first_month=JAN, name="paid monthly")
        make_subscription("prepaid-3", first_month=JAN, country="CA", name="prepaid")
        make_subscription(first_month=JAN, paid=False, name="never paid")
        make_subscription(first_month=FEB, name="starts next month")
        skipper = make_subscription(first_month=JAN, name="skipped")
        lifecycle.skip(skipper, jan, actor="customer", now=BEFORE_JAN_CUTOFF)
        paused = make_subscription(first_month=JAN, name="paused after paying")
        lifecycle.pause(paused, actor="customer")
        ended = make_subscription(first_month=JAN, name="ended")
        lifecycle.end(ended, actor="admin", reason="refunded")
        db.session.commit()

        result = run_box(jan, "Faye")

        assert shipped_names(jan) == {"paid monthly", "prepaid", "paused after paying"}
        assert (result.created, result.total) == (3, 3)
        run = db.session.scalar(select(BoxRun))
        assert (run.run_by, run.shipments_created) == ("Faye", 3)


def test_run_twice_creates_nothing_new_and_picks_up_late_payers(seeded):
    with seeded.app_context():
        jan = make_edition(JAN)
        make_subscription(first_month=JAN)
        late = make_subscription(first_month=JAN, paid=False, name="late")
        assert run_box(jan, "cli").created == 1
        assert run_box(jan, "cli").created == 0

        lifecycle.record_payment(late, reference="in_late", first_month=JAN, amount_pence=2499, actor="stripe")
        db.session.commit()
        again = run_box(jan, "cli")
        assert (again.created, again.total) == (1, 2)
        assert db.session.scalar(select(func.count()).select_from(BoxRun)) == 3


def test_arrears_gets_no_box_for_the_month_it_has_not_paid(seeded):
    with seeded.app_context():
        jan, feb = make_edition(JAN), make_edition(FEB)
        sub = make_subscription(first_month=JAN, name="in arrears")
        lifecycle.mark_arrears(sub, actor="stripe", reason="card declined")
        db.session.commit()
        assert run_box(jan, "cli").created == 1  # January was paid
        assert run_box(feb, "cli").created == 0
        lifecycle.record_payment(sub, reference="in_feb", first_month=FEB, amount_pence=2499, actor="stripe")
        db.session.commit()
        assert sub.status is SubscriptionStatus.ACTIVE
        assert run_box(feb, "cli").created == 1


def test_a_prepaid_three_months_gets_exactly_three_boxes_per_payment(seeded):
    with seeded.app_context():
        editions = [make_edition(m) for m in (JAN, FEB, MAR, APR)]
        make_subscription("prepaid-3", first_month=JAN)
        created = [run_box(e, "cli").created for e in editions]
        assert created == [1, 1, 1, 0]


def test_a_gift_ends_after_its_last_box(seeded):
    with seeded.app_context():
        editions = [make_edition(m) for m in (JAN, FEB, MAR, APR)]
        gift = make_subscription("gift-3", first_month=JAN)
        results = [run_box(e, "cli") for e in editions]
        assert [r.created for r in results] == [1, 1, 1, 0]
        assert [r.ended for r in results] == [0, 0, 1, 0]
        db.session.refresh(gift)
        assert gift.status is SubscriptionStatus.ENDED
        assert gift.events[-1].detail == "last paid box shipped (2027-03)"


def test_cancelled_at_period_end_ships_what_was_paid_then_ends(seeded):
    with seeded.app_context():
        jan, feb = make_edition(JAN), make_edition(FEB)
        sub = make_subscription(first_month=JAN)
        lifecycle.cancel_at_period_end(sub, actor="customer")
        db.session.commit()
        assert run_box(jan, "cli").created == 1
        db.session.refresh(sub)
        assert sub.status is SubscriptionStatus.ENDED
        assert run_box(feb, "cli").created == 0


def test_capacity_caps_the_run_first_come_first_served(seeded):
    with seeded.app_context():
        jan = make_edition(JAN, capacity=2)
        for name in ("first", "second", "third"):
            make_subscription(first_month=JAN, name=name)
        result = run_box(jan, "cli")
        assert (result.created, shipped_names(jan)) == (2, {"first", "second"})
        assert run_box(jan, "cli").created == 0


def test_a_last_box_the_capacity_left_out_is_still_owed(seeded):
    with seeded.app_context():
        jan = make_edition(JAN, capacity=1)
        shipped, waiting = (make_subscription(first_month=JAN, name=name) for name in ("shipped", "waiting"))
        for sub in (shipped, waiting):  # January is the last box each has paid for
            lifecycle.cancel_at_period_end(sub, actor="customer")
        db.session.commit()
        result = run_box(jan, "cli")
        assert (result.created, result.ended, shipped_names(jan)) == (1, 1, {"shipped"})
        db.session.refresh(shipped)
        db.session.refresh(waiting)
        assert shipped.status is SubscriptionStatus.ENDED
        assert waiting.status is SubscriptionStatus.ACTIVE  # its box is still owed
        jan.capacity = 2
        assert run_box(jan, "cli").ended == 1
        db.session.refresh(waiting)
        assert waiting.status is SubscriptionStatus.ENDED and shipped_names(jan) == {"shipped", "waiting"}


def test_packing_list_has_customs_data_for_parcels_leaving_the_uk(seeded):
    with seeded.app_context():
        jan = make_edition(JAN)
        make_subscription(first_month=JAN, country="GB", name="Leeds")
        make_subscription(first_month=JAN, country="CA", name="Toronto")
        run_box(jan, "cli")
        out = io.StringIO()
        assert box_run.write_packing_list(jan, out) == 2
        rows = {row["name"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
        assert rows["Toronto"]["country"] == "Canada (CA)"
        assert rows["Toronto"]["customs_form"] == "CN22"
        assert rows["Toronto"]["customs_value_gbp"] == "10.00"
        assert "Barley tea bags (HS 0902.30)" in rows["Toronto"]["customs_contents"]
        assert rows["Toronto"]["origin_countries"] == "KR"
        assert rows["Leeds"]["customs_form"] == "" and rows["Leeds"]["weight_g"] == "300"
        assert rows["Leeds"]["plan"] == "Monthly"


def test_cli_runs_an_edition_and_writes_the_packing_list(seeded, runner, tmp_path):
    with seeded.app_context():
        make_edition(JAN)
        make_subscription(first_month=JAN, country="US")
    csv_path = tmp_path / "jan.csv"
    with time_machine.travel(AFTER_JAN_CUTOFF, tick=False):
        result = runner.invoke(args=["box", "run", "2027-01", "--by", "Faye", "--csv", str(csv_path)])
        assert result.exit_code == 0, result.output
        assert "2027-01 (Seollal): 1 new shipments, 1 in all." in result.output
        assert "United States (US)" in csv_path.read_text()
        again = runner.invoke(args=["box", "run", "2027-01", "--csv", str(csv_path)])
    assert "0 new shipments, 1 in all." in again.output


@pytest.mark.parametrize(
    "code, message",
    [("2027-13", "is not an edition"), ("January", "is not an edition"), ("2030-01", "There is no 2030-01 edition")],
)
def test_cli_explains_a_bad_edition(seeded, runner, code, message):
    result = runner.invoke(args=["box", "run", code])
    assert result.exit_code != 0
    assert message in result.output
