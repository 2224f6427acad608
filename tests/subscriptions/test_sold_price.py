"""A subscription keeps the price it was sold at: an admin's change of a plan's price shows
on the plans and for new subscribers, never on a running subscription or its next charge."""

from datetime import date

import time_machine
from sqlalchemy import select

from shop.core.addresses import PostalAddress
from shop.core.vat import VatTreatment
from shop.extensions import db
from shop.subscriptions import manage
from shop.subscriptions.models import PaidPeriod, Plan, Subscription
from shop.subscriptions.pricing import quote

from .test_subscribe_demo import BEFORE_DECEMBER_CUTOFF, choose, subscribe_with


def money(pence: int) -> str:
    return f"£{pence / 100:.2f}"


def monthly_to_canada() -> int:
    return quote(db.session.scalar(select(Plan).filter_by(code="monthly")), "CA").totals.total_pence


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_plan_price_change_leaves_running_subscriptions_alone(seeded, client, runner):
    running_id = subscribe_with(seeded, client, "early@example.com", "4242424242424242")
    with seeded.app_context():
        sold = monthly_to_canada()
        assert db.session.get(Subscription, running_id).total_pence == sold
        db.session.scalar(select(Plan).filter_by(code="monthly")).price_pence += 500  # the admin's new price
        db.session.commit()
        new_price = monthly_to_canada()
    assert new_price > sold

    page = client.get(f"/account/subscriptions/{running_id}").get_data(as_text=True)  # signed in as early@
    assert money(sold) in page and money(new_price) not in page

    renewed = runner.invoke(args=["box", "demo-renew", "--date", "2027-01-01"])
    assert "1 renewals paid" in renewed.output, renewed.output
    with seeded.app_context():
        january = db.session.scalar(
            select(PaidPeriod).filter_by(subscription_id=running_id, first_month=date(2027, 1, 1))
        )
        assert january.amount_pence == sold

    # Someone subscribing now sees and pays the new price.
    newcomer_id = subscribe_with(seeded, client, "late@example.com", "4242424242424242")
    with seeded.app_context():
        newcomer = db.session.get(Subscription, newcomer_id)
        assert newcomer.total_pence == new_price
        assert [p.amount_pence for p in newcomer.periods] == [new_price]
    choose(client)  # late@ again: the review shows the new price
    assert money(new_price) in client.get("/culture-box/subscribe/review").get_data(as_text=True)


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_moving_house_re_quotes_and_stores_the_new_price(seeded, client, runner):
    sub_id = subscribe_with(seeded, client, "mover@example.com", "4242424242424242")
    with seeded.app_context():
        sub = db.session.get(Subscription, sub_id)
        sold = sub.total_pence
        db.session.scalar(select(Plan).filter_by(code="monthly")).price_pence += 500
        db.session.commit()
        new_quote = manage.change_address(
            sub, PostalAddress.of("Ji-woo Park", "1 Tea Street", "", "Leeds", "ls1 1aa", "GB")
        )
        db.session.commit()
        sub = db.session.get(Subscription, sub_id)
        assert (sub.ship_city, sub.ship_postcode, sub.ship_country) == ("Leeds", "LS1 1AA", "GB")
        assert sub.total_pence == new_quote.totals.total_pence != sold
        assert (sub.box_pence, sub.shipping_pence, sub.vat_removed_pence) == (
            db.session.scalar(select(Plan).filter_by(code="monthly")).price_pence,
            0,
            0,
        )
        assert sub.vat_treatment is VatTreatment.UK and sub.vat_pence > 0

    runner.invoke(args=["box", "demo-renew", "--date", "2027-01-01"])
    with seeded.app_context():
        january = db.session.scalar(select(PaidPeriod).filter_by(subscription_id=sub_id, first_month=date(2027, 1, 1)))
        assert january.amount_pence == new_quote.totals.total_pence
