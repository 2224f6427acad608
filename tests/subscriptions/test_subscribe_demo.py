"""Subscribing on /culture-box with the demo gateway: choose → review → demo card →
welcome; gifts; declined and unknown cards; and `flask box demo-renew` with a card that
fails at renewal (arrears, the email, the card page that pays it)."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from shop.core import calendar
from shop.extensions import db
from shop.subscriptions import box_run, lifecycle
from shop.subscriptions.models import Edition, Plan, Subscription, SubscriptionStatus
from shop.subscriptions.pricing import quote

from ..accounts.factories import confirm_registration, emails_to, link_in, make_address, make_user, sign_in

CANADA = {
    "name": "Ji-woo Park",
    "line1": "12 Maple Street",
    "line2": "",
    "city": "Toronto",
    "postcode": "M5V 2T6",
    "country": "CA",
    "region": "ON",
}
BEFORE_DECEMBER_CUTOFF = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


@pytest.fixture
def customer(seeded, client):
    with seeded.app_context():
        make_user("ji-woo@example.com")
    sign_in(client, "ji-woo@example.com")
    return client


def choose(client, plan="monthly", address=CANADA, path="/culture-box/subscribe", **extra):
    return client.post(path, data={"plan": plan, **address, **extra})


def pay(client, card="4242 4242 4242 4242"):
    """Review → Pay → the demo payment page → the card. Returns the card page's answer."""
    answer = client.post("/culture-box/subscribe/pay")
    assert answer.status_code == 303 and "/payments/demo/box/" in answer.location
    return client.post(answer.location, data={"card_number": card, "expiry": "12/30", "cvc": "123"})


def the_subscription() -> Subscription:
    return db.session.scalars(select(Subscription).order_by(Subscription.id.desc())).first()


def test_subscribing_needs_an_account_made_on_the_page_itself(seeded, client):
    page = client.get("/culture-box/subscribe?plan=monthly", follow_redirects=True).get_data(as_text=True)
    assert "Your account" in page and 'name="password"' in page
    sign_in_page = client.get("/account/sign-in?next=/culture-box/subscribe?plan%3Dmonthly").get_data(as_text=True)
    assert "Subscribing needs an account" in sign_in_page and "no account needed" not in sign_in_page


def test_registering_still_comes_back_to_the_plan(seeded, client):
    registered = client.post(
        "/account/register?next=/culture-box/subscribe?plan%3Dmonthly",
        data={"email": "new@example.com", "password": "correct horse battery"},
    )
    assert registered.location == "/account/register/check-email"
    confirmed = confirm_registration(seeded, client, "new@example.com")
    assert confirmed.location == "/culture-box/subscribe?plan=monthly"


def test_registering_ignores_a_next_that_leaves_the_shop(seeded, client):
    client.post(
        "/account/register?next=//evil.example/x",
        data={"email": "new@example.com", "password": "correct horse battery"},
    )
    assert confirm_registration(seeded, client, "new@example.com").location == "/account"


def test_the_form_starts_from_the_default_address(seeded, client):
    with seeded.app_context():
        user = make_user("ji-woo@example.com")
        make_address(user, name="Ji-woo Park", line1="3 Hanok Road", city="Leeds", postcode="LS2 9JT", is_default=True)
    sign_in(client, "ji-woo@example.com")
    page = client.get("/culture-box/subscribe?plan=prepaid-3", follow_redirects=True).get_data(as_text=True)
    assert 'value="3 Hanok Road"' in page
    assert re.search(r'value="prepaid-3"\s+checked', page)


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_monthly_to_canada_shows_the_quote_then_pays_with_the_demo_card(seeded, customer):
    assert choose(customer).location.endswith("/culture-box/subscribe/review")
    review = customer.get("/culture-box/subscribe/review").get_data(as_text=True)
    with seeded.app_context():
        expected = quote(db.session.scalar(select(Plan).filter_by(code="monthly")), "CA").totals
    assert "The price for Canada" in review
    assert "North America" in review and "UK VAT removed" in review
    assert f"£{expected.total_pence / 100:.2f}" in review
    assert "the <strong>December 2026</strong> box" in review
    assert "starting 1 January 2027" in review

    answer = pay(customer)
    assert answer.status_code == 303 and "/culture-box/welcome/" in answer.location
    welcome = customer.get(answer.location).get_data(as_text=True)
    assert "Welcome to the Culture Box" in welcome and "Next payment:</strong> 1 January 2027" in welcome

    with seeded.app_context():
        sub = the_subscription()
        assert sub.status is SubscriptionStatus.ACTIVE and sub.ship_country == "CA"
        assert sub.provider == "demo" and sub.provider_customer_id == "demo_card_4242"
        assert [(p.first_month, p.last_month, p.amount_pence) for p in sub.periods] == [
            (date(2026, 12, 1), date(2026, 12, 1), expected.total_pence)
        ]
        [mail] = emails_to(seeded, "ji-woo@example.com", "Welcome to the Culture Box")
        assert "First box: the December 2026 box" in mail.get_body(preferencelist=("plain",)).get_content()


@time_machine.travel(datetime(2026, 12, 11, 9, 0, tzinfo=UTC), tick=False)
def test_after_the_cutoff_the_first_box_is_next_months(seeded, customer):
    choose(customer, plan="prepaid-3", address={**CANADA, "country": "GB", "postcode": "LS1 1AA"})
    pay(customer)
    with seeded.app_context():
        [period] = the_subscription().periods
        assert (period.first_month, period.last_month) == (date(2027, 1, 1), date(2027, 3, 1))


def test_a_country_not_shipped_to_keeps_what_was_typed(seeded, customer):
    answer = choose(customer, address={**CANADA, "country": "KP"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "12 Maple Street" in page and "There is a problem" in page
    with seeded.app_context():
        assert the_subscription() is None


def test_missing_fields_are_named_and_the_rest_kept(seeded, customer):
    answer = choose(customer, address={**CANADA, "line1": "", "city": ""})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Please enter the first line of the address." in page and "Please enter the town or city." in page
    assert 'value="Ji-woo Park"' in page


def test_a_declined_card_ends_the_attempt_and_keeps_the_choice(seeded, customer):
    choose(customer)
    answer = pay(customer, "4000 0000 0000 0002")
    assert answer.status_code == 302 and answer.location.endswith("/culture-box/subscribe/review")
    review = customer.get(answer.location).get_data(as_text=True)
    assert "declined" in review and "12 Maple Street" in review
    with seeded.app_context():
        assert the_subscription().status is SubscriptionStatus.ENDED
    pay(customer)  # paying again starts a fresh attempt
    with seeded.app_context():
        assert the_subscription().status is SubscriptionStatus.ACTIVE
        assert db.session.query(Subscription).count() == 2


def test_an_unknown_card_is_explained_on_the_page(seeded, customer):
    choose(customer)
    answer = pay(customer, "1234 5678 9012 3456")
    assert answer.status_code == 422 and "This demo knows three cards" in answer.get_data(as_text=True)
    with seeded.app_context():
        assert the_subscription().status is SubscriptionStatus.PENDING_PAYMENT


def test_cancelling_on_the_demo_page_charges_nothing(seeded, customer):
    choose(customer)
    demo_page = customer.post("/culture-box/subscribe/pay").location
    answer = customer.post(demo_page + "/cancel")
    assert answer.location.endswith("/culture-box/subscribe/review")
    with seeded.app_context():
        sub = the_subscription()
        assert sub.status is SubscriptionStatus.ENDED and sub.periods == []


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_a_gift_is_paid_once_for_its_boxes(seeded, customer):
    form = customer.get("/culture-box/gift").get_data(as_text=True)
    assert "The January 2027 box" in form and 'value="gift-3"' in form and 'value="monthly"' not in form
    answer = choose(
        customer, plan="gift-3", path="/culture-box/gift", first_month="2027-01", gift_message="Happy birthday, 언니!"
    )
    assert answer.location.endswith("/review")
    review = customer.get("/culture-box/subscribe/review").get_data(as_text=True)
    assert "Happy birthday" in review and "paid once, nothing renews" in review
    pay(customer)
    with seeded.app_context():
        sub = the_subscription()
        assert sub.gift_message == "Happy birthday, 언니!"
        assert [(p.first_month, p.last_month) for p in sub.periods] == [(date(2027, 1, 1), date(2027, 3, 1))]
        assert lifecycle.next_payment(sub) is None


def test_a_gift_must_start_with_an_open_box(seeded, customer):
    answer = choose(customer, plan="gift-3", path="/culture-box/gift", first_month="2020-01")
    assert answer.status_code == 422 and "Not a valid choice" in answer.get_data(as_text=True)


def test_the_billing_day_rule():
    """The first renewal is the 1st of the month after the first payment's boxes, 09:00 UTC."""

    def first_renewal(plan_code, months, now):
        plan = Plan(code=plan_code, name=plan_code, kind=_kind(plan_code), months=months, price_pence=100)
        first = calendar.first_box_month(now)
        return calendar.billing_at(calendar.add_months(first, plan.months)) if plan.renews else None

    def _kind(code):
        from shop.subscriptions.models import PlanKind

        return {"monthly": PlanKind.MONTHLY, "prepaid": PlanKind.PREPAID, "gift": PlanKind.GIFT}[code]

    before_cutoff = datetime(2026, 12, 10, 23, 59, tzinfo=UTC)  # 23:59 in London too (GMT)
    after_cutoff = datetime(2026, 12, 11, 0, 1, tzinfo=UTC)
    assert first_renewal("monthly", 1, before_cutoff) == datetime(2027, 1, 1, 9, tzinfo=UTC)
    assert first_renewal("monthly", 1, after_cutoff) == datetime(2027, 2, 1, 9, tzinfo=UTC)
    assert first_renewal("prepaid", 12, datetime(2026, 11, 26, tzinfo=UTC)) == datetime(2027, 12, 1, 9, tzinfo=UTC)
    assert first_renewal("gift", 3, before_cutoff) is None


# -- renewals: flask box demo-renew ------------------------------------------------------


def subscribe_with(app, client, email, card):
    with app.app_context():
        make_user(email)
    client.post("/account/sign-out")
    sign_in(client, email)
    choose(client)
    assert pay(client, card).status_code == 303
    with app.app_context():
        return db.session.scalar(select(Subscription.id).filter_by(email=email))


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_demo_renew_pays_good_cards_and_puts_the_failing_one_in_arrears(seeded, client, runner):
    good = subscribe_with(seeded, client, "good@example.com", "4242424242424242")
    failing = subscribe_with(seeded, client, "fails@example.com", "4000 0000 0000 0341")

    early = runner.invoke(args=["box", "demo-renew", "--date", "2026-12-31"])
    assert early.exit_code == 0 and "0 renewals paid, 0 declined" in early.output

    result = runner.invoke(args=["box", "demo-renew", "--date", "2027-01-01"])
    assert result.exit_code == 0, result.output
    assert "1 renewals paid, 1 declined" in result.output
    again = runner.invoke(args=["box", "demo-renew", "--date", "2027-01-01"])
    assert "0 renewals paid, 0 declined" in again.output

    with seeded.app_context():
        ok, late = db.session.get(Subscription, good), db.session.get(Subscription, failing)
        assert [p.first_month for p in ok.periods] == [date(2026, 12, 1), date(2027, 1, 1)]
        assert late.status is SubscriptionStatus.ARREARS and len(late.periods) == 1
        january = db.session.scalar(select(Edition).filter_by(month=date(2027, 1, 1)))
        assert [s.id for s in db.session.scalars(box_run.entitled(january))] == [good]
        [mail] = emails_to(seeded, "fails@example.com", "didn't go through")
    assert link_in(mail) == f"/account/subscriptions/{failing}/card"

    # The email's link → the account's card page → the demo card page: a good card pays.
    card_page = client.get(link_in(mail))  # signed in as fails@example.com
    assert card_page.status_code == 302 and "/payments/demo/card/" in card_page.location
    overdue = client.get(card_page.location).get_data(as_text=True)
    assert "is overdue" in overdue
    still_bad = client.post(
        card_page.location, data={"card_number": "4000000000000341", "expiry": "12/30", "cvc": "123"}
    )
    assert still_bad.status_code == 422 and "declined too" in still_bad.get_data(as_text=True)
    fixed = client.post(card_page.location, data={"card_number": "4242424242424242", "expiry": "12/30", "cvc": "123"})
    assert fixed.status_code == 303
    with seeded.app_context():
        late = db.session.get(Subscription, failing)
        assert late.status is SubscriptionStatus.ACTIVE
        assert [p.first_month for p in late.periods] == [date(2026, 12, 1), date(2027, 1, 1)]


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_demo_renew_takes_every_renewal_due_by_the_date(seeded, client, runner):
    sub_id = subscribe_with(seeded, client, "long@example.com", "4242424242424242")
    result = runner.invoke(args=["box", "demo-renew", "--date", "2027-03-01"])
    assert "3 renewals paid" in result.output
    with seeded.app_context():
        periods = db.session.get(Subscription, sub_id).periods
        assert [p.first_month.month for p in periods] == [12, 1, 2, 3]
        assert all(p.paid_at.day == 1 and p.paid_at.hour == 9 for p in periods[1:])


def test_demo_renew_refuses_bad_dates_and_stripe_shops(app, runner):
    bad = runner.invoke(args=["box", "demo-renew", "--date", "1 January"])
    assert bad.exit_code == 2 and "Invalid value for '--date'" in bad.output
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    refused = runner.invoke(args=["box", "demo-renew", "--date", "2027-01-01"])
    assert refused.exit_code == 1 and "Stripe takes renewals" in refused.output
