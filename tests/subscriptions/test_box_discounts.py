"""Discount codes on the Culture Box: the first payment, the first N payments or every
payment, on the review page, through the demo gateway (renewals included) and as Stripe
coupons with the matching duration."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from flask import current_app
from sqlalchemy import select

from shop.db_types import utcnow
from shop.discounts.models import DiscountCode, DiscountRedemption
from shop.extensions import db
from shop.payments.stripe_gateway import StripeGateway
from shop.payments.stripe_subscriptions import coupon_months
from shop.subscriptions import pricing
from shop.subscriptions.models import Plan, Subscription, SubscriptionStatus

from ..accounts.factories import make_user, sign_in
from ..box_factories import make_subscription
from ..stripe_support import SECRET_KEY
from .support import BillingHTTPClient

BEFORE_DECEMBER_CUTOFF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
LEEDS = {"name": "Min-ji Kim", "line1": "1 Tea Street", "line2": "", "city": "Leeds", "postcode": "LS1 1AA"}
LEEDS |= {"country": "GB"}
MONTHLY_UK = 2499  # £24.99 a month, UK delivery included


@pytest.fixture
def customer(seeded, client):
    with seeded.app_context():
        make_user("min-ji@example.com")
    sign_in(client, "min-ji@example.com")
    return client


def choose_and_apply(client, code, plan="monthly", address=LEEDS):
    path = "/culture-box/gift" if plan.startswith("gift") else "/culture-box/subscribe"
    assert client.post(path, data={"plan": plan, **address}).status_code == 302
    return client.post("/culture-box/subscribe/discount", data={"discount_code": code})


def pay(client, card="4242 4242 4242 4242"):
    answer = client.post("/culture-box/subscribe/pay")
    assert answer.status_code == 303 and "/payments/demo/box/" in answer.location, answer.location
    page = client.get(answer.location).text
    assert client.post(answer.location, data={"card_number": card, "expiry": "12/30", "cvc": "123"}).status_code == 303
    return page


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def the_subscription() -> Subscription:
    return db.session.scalars(select(Subscription).order_by(Subscription.id.desc())).first()


def amounts(sub: Subscription) -> list[int]:
    return [p.amount_pence for p in sub.periods]


# -- the sums ----------------------------------------------------------------------------------


def test_a_percentage_comes_off_the_box_and_its_vat_off_the_vat(seeded):
    with seeded.app_context():
        plan = db.session.scalar(select(Plan).filter_by(code="monthly"))
        welcome = db.session.scalar(select(DiscountCode).filter_by(code="WELCOME10"))
        q = pricing.quote(plan, "GB", discount=welcome)
        first, later = q.totals_for(1), q.totals_for(2)
        assert (first.discount_pence, first.total_pence, first.vat_pence) == (250, 2249, 375)
        assert (later.total_pence, later.vat_pence) == (MONTHLY_UK, 417)
        # An export: 10% of the box without its VAT (£20.82 → £2.08 off), no VAT.
        canada = pricing.quote(plan, "CA", discount=welcome).first_totals
        assert (canada.items_pence, canada.discount_pence, canada.total_pence) == (2082, 208, 2082 + 829 - 208)
        assert canada.items_pence + canada.shipping_pence - canada.discount_pence == canada.total_pence


# -- the review page ----------------------------------------------------------------------------


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_welcome10_on_the_culture_box_comes_off_the_first_payment_only(seeded, customer, runner):
    applied = choose_and_apply(customer, " welcome10 ")
    assert applied.status_code == 302 and applied.location.endswith("/culture-box/subscribe/review")
    review = words(customer.get("/culture-box/subscribe/review").text)
    assert "Discount code WELCOME10 applied." in review
    assert "Discount WELCOME10, on your first payment −£2.50" in review
    assert "First payment £22.49" in review
    assert "Today you pay £22.49 for the first box." in review
    assert "Then £24.99 every month, on the 1st, starting 1 January 2027." in review
    assert "Pay £22.49" in review

    demo_page = words(pay(customer))
    assert "£22.49" in demo_page and "then £24.99 every month" in demo_page
    result = runner.invoke(args=["box", "demo-renew", "--date", "2027-02-01"])
    assert result.exit_code == 0 and "paid £24.99 on 2027-01-01" in result.output
    with seeded.app_context():
        sub = the_subscription()
        assert (sub.discount_code, sub.discount_pence, sub.discount_payments) == ("WELCOME10", 250, 1)
        assert amounts(sub) == [2249, MONTHLY_UK, MONTHLY_UK]
        [use] = db.session.scalars(select(DiscountRedemption).filter_by(subscription_id=sub.id))
        assert (use.email, use.amount_pence, use.order_id) == ("min-ji@example.com", 250, None)


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_code_for_the_first_three_payments_stops_after_the_third(seeded, customer, runner):
    choose_and_apply(customer, "BOXFRIEND")
    review = words(customer.get("/culture-box/subscribe/review").text)
    assert "Discount BOXFRIEND, on each of your first 3 payments −£3.75" in review
    assert "until 3 payments have had the BOXFRIEND discount; after that £24.99 every month" in review
    pay(customer)
    assert runner.invoke(args=["box", "demo-renew", "--date", "2027-04-01"]).exit_code == 0
    with seeded.app_context():
        assert amounts(the_subscription()) == [2124, 2124, 2124, MONTHLY_UK, MONTHLY_UK]


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_forever_code_comes_off_every_payment_of_a_prepaid_plan(seeded, customer, runner):
    choose_and_apply(customer, "hallyu5", plan="prepaid-3")
    review = words(customer.get("/culture-box/subscribe/review").text)
    assert "Discount HALLYU5, on every payment" in review
    assert "the HALLYU5 discount stays for as long as you subscribe" in review
    pay(customer)
    assert runner.invoke(args=["box", "demo-renew", "--date", "2027-06-01"]).exit_code == 0
    with seeded.app_context():
        sub = the_subscription()
        assert len(sub.periods) == 3 and len(set(amounts(sub))) == 1
        assert amounts(sub)[0] == sub.total_pence - sub.discount_pence


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_refused_code_is_shown_on_its_field_and_the_price_stays(seeded, customer):
    refused = choose_and_apply(customer, "SEOLLAL2024")
    assert refused.status_code == 422
    page = words(refused.text)
    assert "There is a problem" in page and "Sorry, the code SEOLLAL2024 expired on 15 February 2024." in page
    assert 'value="SEOLLAL2024"' in refused.text and "Pay £24.99" in page
    unknown = words(customer.post("/culture-box/subscribe/discount", data={"discount_code": "NOPE"}).text)
    assert "We don't recognise the discount code “NOPE”" in unknown


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_once_per_customer_counts_subscriptions_and_an_unpaid_attempt_gives_its_use_back(seeded, customer):
    choose_and_apply(customer, "WELCOME10")
    answer = customer.post("/culture-box/subscribe/pay")  # the payment page opened, not paid
    declined_page = answer.location
    customer.post(declined_page, data={"card_number": "4000 0000 0000 0002", "expiry": "12/30", "cvc": "123"})
    with seeded.app_context():
        assert db.session.scalars(select(DiscountRedemption)).all() == []  # given back
    # Still the customer's to use: the review page keeps it, and paying uses it up.
    assert "First payment £22.49" in words(customer.get("/culture-box/subscribe/review").text)
    pay(customer)
    again = choose_and_apply(customer, "WELCOME10")
    assert again.status_code == 422 and "You have already used the code WELCOME10." in words(again.text)


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_gift_takes_the_code_off_its_one_payment(seeded, customer):
    gift = {**LEEDS, "first_month": "2026-12", "gift_message": "Happy birthday!"}
    choose_and_apply(customer, "BOXFRIEND", plan="gift-3", address=gift)
    page = words(customer.get("/culture-box/subscribe/review").text)
    assert "Discount BOXFRIEND, on your payment" in page
    pay(customer)
    with seeded.app_context():
        sub = the_subscription()
        assert sub.discount_payments == 1 and amounts(sub) == [sub.total_pence - sub.discount_pence]


# -- Stripe coupons -------------------------------------------------------------------------------


@pytest.fixture
def http():
    return BillingHTTPClient()


@pytest.fixture
def stripe_shop(seeded, http):
    seeded.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_HTTP_CLIENT=http, STRIPE_MAX_RETRIES=0)
    with seeded.app_context():
        yield seeded


def start_with(code: str, plan_code: str, country: str = "GB"):
    from shop.core.calendar import add_months, billing_at, first_box_month

    sub = make_subscription(plan_code, first_month=first_box_month(utcnow()), country=country, paid=False)
    discount = db.session.scalar(select(DiscountCode).filter_by(code=code))
    box_quote = pricing.quote(sub.plan, country, discount=discount)
    renews_at = billing_at(add_months(sub.first_month, sub.plan.months)) if sub.plan.renews else None
    gateway = StripeGateway.from_config(current_app.config)
    gateway.start_subscription_payment(
        sub, box_quote, first_renewal_at=renews_at, success_url="http://localhost/ok", cancel_url="http://x/no"
    )
    return sub, box_quote


@pytest.mark.parametrize(
    "code,plan_code,duration,months",
    [
        ("WELCOME10", "monthly", "once", None),
        ("HALLYU5", "monthly", "forever", None),
        # Joined on 5 December: payments on 5 Dec, 1 Jan, 1 Feb; the 4th (1 March) is full price.
        ("BOXFRIEND", "monthly", "repeating", "2"),
        # Prepaid 3: payments on 5 Dec, 1 March, 1 June; the 4th (1 September) is full price.
        ("BOXFRIEND", "prepaid-3", "repeating", "8"),
        ("BOXFRIEND", "gift-3", "once", None),  # a gift is one payment
    ],
)
@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_code_becomes_a_stripe_coupon_with_the_matching_duration(
    stripe_shop, http, code, plan_code, duration, months
):
    sub, box_quote = start_with(code, plan_code)
    [coupon_call] = [r for r in http.requests if r.path == "/v1/coupons"]
    expected = {
        "amount_off": str(box_quote.discount.amount_pence),
        "currency": "gbp",
        "duration": duration,
        "max_redemptions": "1",
        "name": code,
        "metadata": {"subscription_id": str(sub.id), "code": code},
    }
    if months:
        expected["duration_in_months"] = months
    assert coupon_call.params == expected
    assert coupon_call.idempotency_key == f"culture-box-{sub.id}-{int(sub.created_at.timestamp())}-coupon"
    [session_call] = [r for r in http.requests if r.path == "/v1/checkout/sessions"]
    coupon_id = next(iter(http.coupons))
    assert session_call.params["discounts"] == [{"coupon": coupon_id}]
    # What Stripe charges now is what the shop quoted for the first payment.
    one_time = [li for li in session_call.params["line_items"] if "recurring" not in li["price_data"]]
    now = sum(int(li["price_data"]["unit_amount"]) for li in one_time) - int(expected["amount_off"])
    if plan_code.startswith("gift"):
        now += sum(
            int(o["shipping_rate_data"]["fixed_amount"]["amount"]) for o in session_call.params["shipping_options"]
        )
    assert now == box_quote.first_totals.total_pence


def test_no_code_no_coupon(stripe_shop, http):
    start_with_no_code = make_subscription("monthly", first_month=date(2027, 1, 1), paid=False)
    assert start_with_no_code.discount_code is None
    assert not [r for r in http.requests if r.path == "/v1/coupons"]


@pytest.mark.parametrize(
    "now,first_renewal,months,payments,expected",
    [
        # Before the cutoff: payments 5 Dec, 1 Jan, 1 Feb → the coupon must end between 1 Jan and 1 Feb.
        (datetime(2026, 12, 5, 12, tzinfo=UTC), datetime(2027, 1, 1, 9, tzinfo=UTC), 1, 2, 1),
        # After the cutoff (first box January): 11 Dec, 1 Feb, 1 Mar, 1 Apr; 3 payments → ends by 1 Apr.
        (datetime(2026, 12, 11, 12, tzinfo=UTC), datetime(2027, 2, 1, 9, tzinfo=UTC), 1, 3, 3),
        # Prepaid 12, 2 payments: 26 Nov 2026, 1 Dec 2027; the 3rd on 1 Dec 2028.
        (datetime(2026, 11, 26, 12, tzinfo=UTC), datetime(2027, 12, 1, 9, tzinfo=UTC), 12, 2, 24),
    ],
)
def test_coupon_months_cover_exactly_the_discounted_payments(now, first_renewal, months, payments, expected):
    assert coupon_months(months, payments, first_renewal, now) == expected


def test_a_pending_subscription_that_ends_unpaid_gives_its_use_back(seeded):
    from shop.discounts import services as discounts
    from shop.subscriptions import lifecycle

    with seeded.app_context():
        sub = make_subscription("monthly", first_month=date(2027, 1, 1), paid=False)
        welcome = db.session.scalar(select(DiscountCode).filter_by(code="WELCOME10"))
        discounts.reserve(welcome, subscription_id=sub.id, email=sub.email, amount_pence=250)
        assert welcome.times_used == 1
        lifecycle.end(sub, actor="test", reason="abandoned")
        assert sub.status is SubscriptionStatus.ENDED
        db.session.refresh(welcome)
        assert welcome.times_used == 0 and discounts.uses_by(welcome, sub.email) == 0
