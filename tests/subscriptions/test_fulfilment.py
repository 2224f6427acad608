"""Sending the boxes: one parcel at a time, or a carrier's CSV (all rows or none), the
subscriber emailed the tracking link, and the editions the back office creates."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from shop.core.calendar import LONDON
from shop.extensions import db
from shop.jobs.models import Job
from shop.notifications import EMAIL_JOB
from shop.subscriptions import box_run, editions, fulfilment
from shop.subscriptions.lifecycle import SubscriptionError
from shop.subscriptions.models import Edition, Shipment, ShipmentStatus, SubscriptionEvent

from ..box_factories import MANIFEST, make_edition, make_subscription
from .account_support import owned_subscription, signed_in

JAN = date(2027, 1, 1)
# Boxes are packed once the January cutoff (10 January, 23:59 UK time) has passed.
AFTER_JAN_CUTOFF = datetime(2027, 1, 11, 9, tzinfo=UTC)


def run_box(edition: Edition) -> None:
    with time_machine.travel(AFTER_JAN_CUTOFF, tick=False):
        box_run.run(edition, run_by="test")


def ran_january(count: int = 3) -> tuple[Edition, list[Shipment]]:
    jan = make_edition(JAN)
    for n in range(count):
        make_subscription(first_month=JAN, name=f"Subscriber {n}")
    run_box(jan)
    db.session.commit()
    shipments = list(db.session.scalars(select(Shipment).where(Shipment.edition_id == jan.id).order_by(Shipment.id)))
    return jan, shipments


def emails() -> list[dict]:
    return [job.payload for job in db.session.scalars(select(Job).where(Job.kind == EMAIL_JOB).order_by(Job.id))]


def shipped_emails() -> list[dict]:
    return [e for e in emails() if "on its way" in e["subject"]]


def test_mark_shipped_moves_the_status_records_it_emails_the_link_and_signals(seeded):
    heard = []
    with seeded.app_context():
        _, (shipment, *_) = ran_january(1)
        with fulfilment.shipment_shipped.connected_to(lambda sender: heard.append(sender.id)):
            fulfilment.mark_shipped(shipment, "Royal Mail", " rr123456785gb ", actor="admin faye@example.com")
        db.session.commit()

        assert shipment.status is ShipmentStatus.SHIPPED
        assert (shipment.carrier, shipment.tracking_number) == ("royal-mail", "RR123456785GB")
        assert shipment.tracking_url.endswith("#/tracking-results/RR123456785GB")
        assert heard == [shipment.id]
        [email] = shipped_emails()
        assert email["to"] == shipment.subscription.email
        assert email["subject"] == "Your January Culture Box is on its way"
        event = db.session.scalar(select(SubscriptionEvent).where(SubscriptionEvent.kind == "shipment shipped"))
        assert event.actor == "admin faye@example.com" and "Royal Mail RR123456785GB" in event.detail

        with pytest.raises(SubscriptionError, match="already shipped"):
            fulfilment.mark_shipped(shipment, "dhl", "1234567890", actor="admin")


@pytest.mark.parametrize(
    ("carrier", "number", "message"),
    [("Pigeon Post", "RR123456785GB", "not a carrier"), ("dhl", "12", "does not look like a tracking number")],
)
def test_a_wrong_carrier_or_number_changes_nothing(seeded, carrier, number, message):
    with seeded.app_context():
        _, (shipment, *_) = ran_january(1)
        with pytest.raises(SubscriptionError, match=message):
            fulfilment.mark_shipped(shipment, carrier, number, actor="admin")
        assert shipment.status is ShipmentStatus.PACKING and shipped_emails() == []


def test_tracking_csv_with_a_bad_row_names_its_line_and_applies_nothing(seeded):
    with seeded.app_context():
        jan, (first, second, third) = ran_january(3)
        text = (
            "shipment_id,carrier,tracking_number\n"
            f"{first.id},Royal Mail,RR000000001GB\n"
            f"{second.id},Royal Mail,no!\n"
            f"99999,DHL,1234567890\n"
            f"{third.id},Royal Mail,RR000000003GB\n"
        )
        with pytest.raises(fulfilment.TrackingCsvError) as refused:
            fulfilment.apply_tracking_csv(jan, text, actor="admin")
        db.session.rollback()
        problems = refused.value.problems
        assert problems[0].startswith("Line 3: 'no!' does not look like a tracking number")
        assert problems[1] == "Line 4: '99999' is not a shipment of the 2027-01 edition."
        assert len(problems) == 2
        statuses = set(db.session.scalars(select(Shipment.status).where(Shipment.edition_id == jan.id)))
        assert statuses == {ShipmentStatus.PACKING}
        assert shipped_emails() == []


def test_tracking_csv_applies_every_row_and_a_second_upload_changes_nothing(seeded):
    with seeded.app_context():
        jan, shipments = ran_january(3)
        text = "\ufeffShipment_ID,Tracking_Number\n" + "".join(f"{s.id},JD0000000{s.id:04d}\n" for s in shipments)
        assert fulfilment.apply_tracking_csv(jan, text, actor="admin", default_carrier="dpd") == 3
        db.session.commit()
        assert fulfilment.progress(jan).shipped == 3
        assert {s.carrier for s in shipments} == {"dpd"}
        assert fulfilment.apply_tracking_csv(jan, text, actor="admin", default_carrier="dpd") == 0
        assert len(shipped_emails()) == 3


def test_tracking_csv_refuses_a_missing_column_a_repeated_shipment_and_another_number(seeded):
    with seeded.app_context():
        jan, (first, *_) = ran_january(2)
        with pytest.raises(fulfilment.TrackingCsvError) as missing:
            fulfilment.apply_tracking_csv(jan, "id,number\n1,2\n", actor="admin")
        assert "needs the columns shipment_id, carrier, tracking_number" in missing.value.problems[0]
        twice = f"shipment_id,carrier,tracking_number\n{first.id},dhl,1234567890\n{first.id},dhl,1234567891\n"
        with pytest.raises(fulfilment.TrackingCsvError) as repeated:
            fulfilment.apply_tracking_csv(jan, twice, actor="admin")
        assert repeated.value.problems == [f"Line 3: shipment {first.id} is already on line 2."]
        fulfilment.mark_shipped(first, "dhl", "1234567890", actor="admin")
        other = f"shipment_id,carrier,tracking_number\n{first.id},dhl,9999999999\n"
        with pytest.raises(fulfilment.TrackingCsvError) as changed:
            fulfilment.apply_tracking_csv(jan, other, actor="admin")
        assert "already shipped with tracking number 1234567890" in changed.value.problems[0]


def test_the_subscriber_page_links_to_the_carrier(seeded, client):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN)
        jan = make_edition(JAN)
        run_box(jan)
        shipment = db.session.scalar(select(Shipment).where(Shipment.subscription_id == sub_id))
        fulfilment.mark_shipped(shipment, "royal-mail", "RR123456785GB", actor="admin")
        db.session.commit()
    signed_in(client)
    page = client.get(f"/account/subscriptions/{sub_id}").text
    assert 'href="https://www.royalmail.com/track-your-item#/tracking-results/RR123456785GB"' in page
    assert "Track it with Royal Mail" in page


def draft(**changes) -> editions.EditionDraft:
    fields = dict(
        month=date(2027, 6, 1),
        theme="Dano",
        cutoff_at=datetime(2027, 6, 10, 23, 59, tzinfo=LONDON),
        ships_on=date(2027, 6, 15),
        capacity=None,
        items=[editions.ManifestItem(**item) for item in MANIFEST],
    )
    fields.update(changes)
    return editions.EditionDraft(**fields)


def test_an_edition_is_created_and_edited_with_its_manifest(seeded):
    with seeded.app_context():
        edition = editions.save_edition(draft())
        assert edition.code == "2027-06" and edition.customs_value_pence == 1000 and edition.weight_g == 300
        editions.save_edition(draft(theme="Dano festival", capacity=40), edition)
        assert (edition.theme, edition.capacity) == ("Dano festival", 40)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ships_on": date(2027, 6, 9)}, "ship date must come after the cutoff"),
        ({"theme": " "}, "Give the edition a theme"),
        ({"items": []}, "at least one item"),
        ({"capacity": 0}, "at least 1 box"),
        (
            {"items": [editions.ManifestItem("Tea", "tea", 100, 10, "KR")]},
            "Item 1 \\(Tea\\): the HS code is 6 to 10 digits",
        ),
        ({"items": [editions.ManifestItem("Tea", "0902.30", 100, 10, "XX")]}, "country it was made in"),
    ],
)
def test_an_edition_that_cannot_be_right_is_refused(seeded, changes, message):
    with seeded.app_context():
        before = db.session.scalar(select(func.count()).select_from(Edition))
        with pytest.raises(SubscriptionError, match=message):
            editions.save_edition(draft(**changes))
        assert db.session.scalar(select(func.count()).select_from(Edition)) == before


def test_a_second_edition_for_a_month_is_refused(seeded):
    with seeded.app_context():
        editions.save_edition(draft())
        with pytest.raises(SubscriptionError, match="already a June 2027 edition"):
            editions.save_edition(draft(theme="Other"))


def test_box_count_adds_what_is_made_to_what_is_still_owed(seeded):
    with seeded.app_context():
        jan = make_edition(JAN, capacity=3)
        make_subscription(first_month=JAN)
        make_subscription("prepaid-3", first_month=JAN, country="CA")
        run_box(jan)
        make_subscription(first_month=JAN)
        make_subscription(first_month=JAN)
        count = editions.box_count(jan)
        assert (count.shipments, count.to_create, count.needed, count.over_capacity) == (2, 2, 3, 1)
        assert sum(n for _, n in count.by_plan) == 4


def test_a_plan_price_change_leaves_running_subscriptions_at_their_price(seeded):
    with seeded.app_context():
        sub = make_subscription(first_month=JAN)
        sold = (sub.box_pence, sub.total_pence)
        editions.set_plan_price(sub.plan, sub.plan.price_pence + 500)
        db.session.commit()
        db.session.refresh(sub)
        assert (sub.box_pence, sub.total_pence) == sold
