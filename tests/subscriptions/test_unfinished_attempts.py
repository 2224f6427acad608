"""Pay, go back, pay again: the account shows the one subscription that was paid, never an
"Ended" ghost of the abandoned attempt; an attempt still unpaid says "Not completed" and
offers to finish paying."""

import re
from html import unescape

import time_machine
from sqlalchemy import select

from shop.extensions import db
from shop.subscriptions.models import Subscription
from shop.subscriptions.models import SubscriptionStatus as S

from .test_subscribe_demo import BEFORE_DECEMBER_CUTOFF, choose, customer, pay  # noqa: F401  (fixture)


def words(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def subscriptions_section(client) -> str:
    page = client.get("/account").text
    return words(page.split('id="subscriptions"', 1)[1].split("</section>", 1)[0])


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_pay_go_back_and_pay_again_leaves_no_ended_ghost(seeded, customer):
    choose(customer)
    first_page = customer.post("/culture-box/subscribe/pay")
    assert first_page.status_code == 303  # the customer leaves the payment page with Back
    assert pay(customer).status_code == 303  # and pays on a second attempt
    with seeded.app_context():
        statuses = [s.status for s in db.session.scalars(select(Subscription).order_by(Subscription.id))]
    assert statuses == [S.ENDED, S.ACTIVE]  # the first attempt was closed, never paid
    listed = subscriptions_section(customer)
    assert listed.count("Culture Box · Monthly") == 1
    assert "Active" in listed and "Ended" not in listed and "Not completed" not in listed


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_an_unpaid_attempt_says_not_completed_and_finishing_pays_it(seeded, customer):
    choose(customer)
    assert customer.post("/culture-box/subscribe/pay").status_code == 303  # then walks away
    customer.get("/culture-box")  # later, another visit
    listed = subscriptions_section(customer)
    assert "Not completed" in listed and "Finish paying" in listed and "Waiting for payment" not in listed
    with seeded.app_context():
        sub_id = db.session.scalar(select(Subscription.id))
    manage_page = words(customer.get(f"/account/subscriptions/{sub_id}").text)
    assert "The payment for this subscription wasn't completed, so nothing has been charged" in manage_page

    back = customer.post(f"/culture-box/subscribe/finish/{sub_id}")
    assert back.status_code == 302 and back.location.endswith("/culture-box/subscribe/review")
    review = words(customer.get(back.location).text)
    assert "Toronto" in review and "Monthly" in review
    assert pay(customer).status_code == 303
    listed = subscriptions_section(customer)
    assert listed.count("Culture Box · Monthly") == 1 and "Active" in listed and "Not completed" not in listed


def test_finishing_someone_elses_or_a_paid_subscription_is_refused(seeded, customer):
    with time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False):
        choose(customer)
        assert pay(customer).status_code == 303
        with seeded.app_context():
            sub_id = db.session.scalar(select(Subscription.id))
        again = customer.post(f"/culture-box/subscribe/finish/{sub_id}", follow_redirects=True)
        assert "This subscription is not waiting for a payment." in again.text
        assert customer.post("/culture-box/subscribe/finish/999999").status_code == 404
