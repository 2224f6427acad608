"""Cancelling asks why (optional) and offers a skip or a pause instead, once; the reasons are
stored for the back office's churn figures (churn.churn_reasons)."""

from datetime import UTC, datetime

import time_machine

from shop.extensions import db
from shop.subscriptions import churn, manage
from shop.subscriptions.models import SubscriptionEvent

from .account_support import (
    FEB,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)
from .test_account_pages import text

BEFORE_FEB_CUTOFF = datetime(2027, 2, 5, 12, 0, tzinfo=UTC)


def cancel(client, sub_id: int, **data):
    return client.post(f"/account/subscriptions/{sub_id}/cancel", data=data, follow_redirects=True)


def test_the_cancel_page_asks_why_and_the_reason_is_stored(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(client.get(f"/account/subscriptions/{sub_id}/cancel").text)
        assert "Why are you cancelling? (optional)" in page
        assert "It costs more than I want to spend" in page and "Something else" in page
        offer = text(cancel(client, sub_id, reason="other", note="  Moving abroad for a year  ").text)
        assert "Would a break do instead?" in offer
        page = text(cancel(client, sub_id, reason="other", note="Moving abroad for a year", offer_seen="1").text)
    assert "Cancelled: nothing more will be charged." in page
    with seeded.app_context():
        sub = load(sub_id)
        assert (sub.cancel_reason, sub.cancel_note) == ("other", "Moving abroad for a year")
        assert sub.events[-1].detail == "ends after the last paid box; reason: other (Moving abroad for a year)"


def test_the_alternatives_are_offered_once_and_a_skip_can_be_taken_instead(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        offer = text(cancel(client, sub_id, reason="too_expensive").text)
        assert "Skip the February box instead" in offer and "Pause instead" in offer
        page = text(
            client.post(
                f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"}, follow_redirects=True
            ).text
        )
        assert "Done: you'll skip the February 2027 box." in page
        with seeded.app_context():
            assert load(sub_id).cancel_at_period_end is False
        # Coming back to cancel later: no second offer, it cancels at once
        page = text(cancel(client, sub_id, reason="too_expensive").text)
    assert "Cancelled: nothing more will be charged." in page and "Would a break" not in page
    with seeded.app_context():
        kinds = [e.kind for e in load(sub_id).events]
        assert kinds.count("retention_offer") == 1 and kinds[-1] == "cancel"
        assert load(sub_id).cancel_reason == "too_expensive"


def test_a_reason_not_on_the_list_is_refused_on_the_page(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        response = client.post(f"/account/subscriptions/{sub_id}/cancel", data={"reason": "hacked", "offer_seen": "1"})
    assert response.status_code == 422 and "Not a valid choice" in response.text
    with seeded.app_context():
        assert load(sub_id).cancel_at_period_end is False


def test_churn_reasons_group_the_cancellations_that_stand(seeded, gateway):
    with seeded.app_context():
        ids = [owned_subscription(email=f"s{n}@example.com") for n in range(5)]
        manage.cancel(load(ids[0]), reason="too_expensive")
        manage.cancel(load(ids[1]), reason="too_expensive")
        manage.cancel(load(ids[2]), reason="other", note="Too much plastic")
        manage.cancel(load(ids[3]))  # no reason given
        manage.cancel(load(ids[4]), reason="delivery")
        manage.keep(load(ids[4]))  # taken back: not churn
        db.session.commit()
        since = datetime(2000, 1, 1, tzinfo=UTC)
        figures = churn.churn_reasons(since)
        later = churn.churn_reasons(datetime(2100, 1, 1, tzinfo=UTC))
        assert load(ids[4]).cancel_reason is None
        assert db.session.query(SubscriptionEvent).filter_by(kind="cancel").count() == 5
    assert [(r.code, r.count) for r in figures] == [("too_expensive", 2), ("not_given", 1), ("other", 1)]
    assert figures[0].label == "It costs more than I want to spend"
    assert figures[2].notes == ["Too much plastic"]
    assert later == []
