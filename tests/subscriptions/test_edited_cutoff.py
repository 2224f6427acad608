"""An edition's stored cutoff is the only cutoff: once it is edited, the subscribe pages,
the first box a new subscriber gets and skipping all follow it."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from shop.core.addresses import PostalAddress
from shop.extensions import db
from shop.subscriptions import lifecycle, manage, services, subscribe
from shop.subscriptions.lifecycle import SubscriptionError
from shop.subscriptions.models import Edition, Subscription

from ..accounts.factories import make_user, sign_in
from ..box_factories import make_edition, make_subscription

JAN, FEB = date(2027, 1, 1), date(2027, 2, 1)
ON_THE_8TH = datetime(2027, 1, 8, 12, 0, tzinfo=UTC)  # before the default cutoff (the 10th)
ON_THE_12TH = datetime(2027, 1, 12, 12, 0, tzinfo=UTC)  # after it
ADDRESS = {
    "name": "Ji-woo Park",
    "line1": "12 Maple Street",
    "line2": "",
    "city": "Leeds",
    "postcode": "LS1 1AA",
    "country": "GB",
}


def edit_cutoff(month: date, cutoff_at: datetime) -> None:
    edition = db.session.scalar(select(Edition).filter_by(month=month))
    edition.cutoff_at = cutoff_at
    db.session.commit()


@pytest.fixture
def editions(seeded):
    with seeded.app_context():
        make_edition(JAN), make_edition(FEB)
    return seeded


def first_box_on_page(client) -> str:
    answer = client.get("/culture-box/subscribe?plan=monthly", follow_redirects=True)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    start = page.index("Your first box is")
    return page[start : page.index("</p>", start)]


@pytest.mark.parametrize(
    "now, cutoff, first_month, order_by",
    [
        # Brought forward to the 7th: on the 8th the January box is closed.
        (ON_THE_8TH, datetime(2027, 1, 7, 18, 0, tzinfo=UTC), FEB, "10 February, 23:59"),
        # Pushed back to the 14th: on the 12th the January box is still open.
        (ON_THE_12TH, datetime(2027, 1, 14, 18, 0, tzinfo=UTC), JAN, "14 January, 18:00"),
    ],
)
def test_subscribing_and_skipping_follow_an_edited_cutoff(editions, client, now, cutoff, first_month, order_by):
    with editions.app_context():
        make_user("ji-woo@example.com")
        subscriber_id = make_subscription(first_month=JAN, name="January subscriber").id
        edit_cutoff(JAN, cutoff)

    with time_machine.travel(now, tick=False):
        sign_in(client, "ji-woo@example.com")
        intro = first_box_on_page(client)
        assert f"{first_month:%B %Y}</strong> box (order by {order_by} UK time)" in intro
        with editions.app_context():
            assert services.first_box_month(now) == first_month
            choice = subscribe.BoxChoice(plan_code="monthly", ship_to=PostalAddress.of(**ADDRESS))
            assert subscribe.price(choice, now).first_month == first_month

            sub = db.session.get(Subscription, subscriber_id)
            assert manage.skippable_edition(sub, now).month == first_month
            january = db.session.scalar(select(Edition).filter_by(month=JAN))
            if first_month == JAN:
                lifecycle.skip(sub, january, actor="customer", now=now)
            else:
                with pytest.raises(SubscriptionError, match="passed its cutoff"):
                    lifecycle.skip(sub, january, actor="customer", now=now)
