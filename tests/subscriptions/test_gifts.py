"""Gifts people actually give: the buyer gives the recipient's email and a message; the
recipient claims the gift with a signed, single-use, expiring link and types their own
address; the boxes start from the first box still open after the claim; the buyer hears
when it is claimed and when each box ships, and never sees where it goes."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import select

from shop.extensions import db
from shop.subscriptions import box_run, fulfilment, gifts, manage
from shop.subscriptions.lifecycle import SubscriptionError
from shop.subscriptions.models import Edition, Shipment, Subscription, SubscriptionStatus

from ..accounts.factories import emails_to, link_in, make_user, sign_in

BOUGHT = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # before the December cutoff
DECEMBER_RUN = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)
CLAIMED = datetime(2026, 12, 20, 18, 0, tzinfo=UTC)  # after December's cutoff: January is the first open box
JANUARY_RUN = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)

BUYER = "ji-woo@example.com"
FRIEND = "seo-yeon@example.com"
GIFT = {
    "plan": "gift-3",
    "delivery": "email",
    "name": "Seo-yeon Park",
    "recipient_email": FRIEND,
    "country": "US",
    "gift_message": "Happy birthday, 언니! 🎂",
    "gift_from": "Ji-woo",
}
HOME = {
    "name": "Seo-yeon Park",
    "line1": "350 Fifth Avenue",
    "line2": "Apt 21",
    "city": "New York",
    "region": "new york",
    "postcode": "10118",
    "country": "US",
    "phone": "+1 212 555 0100",
}
SECRET_BITS = ["350 Fifth Avenue", "Apt 21", "New York", "10118", "555 0100"]


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def plain(mail) -> str:
    return mail.get_body(preferencelist=("plain",)).get_content()


def the_gift() -> Subscription:
    return db.session.scalars(select(Subscription).order_by(Subscription.id.desc())).first()


def buy(app, client, form=GIFT) -> int:
    with app.app_context():
        if not db.session.scalar(select(Subscription).limit(1)) and not emails_to(app, BUYER):
            pass
        from shop.accounts.models import User

        if db.session.scalar(select(User).filter_by(email=BUYER)) is None:
            make_user(BUYER)
    sign_in(client, BUYER)
    chosen = client.post("/culture-box/gift", data=form)
    assert chosen.status_code == 302, words(chosen.text)
    answer = client.post("/culture-box/subscribe/pay")
    assert answer.status_code == 303
    paid = client.post(answer.location, data={"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"})
    assert paid.status_code == 303
    with app.app_context():
        return the_gift().id


def claim_link(app) -> str:
    [mail] = emails_to(app, FRIEND, "has sent you the Culture Box")
    return link_in(mail)


def run(app, month: date):
    with app.app_context():
        edition = db.session.scalar(select(Edition).filter_by(month=month))
        result = box_run.run(edition, run_by="test")
        db.session.commit()
        return result


def shipped_addresses(app, sub_id):
    with app.app_context():
        return [
            (s.edition.code, s.ship_line1, s.ship_city, s.ship_region, s.ship_postcode)
            for s in db.session.scalars(select(Shipment).filter_by(subscription_id=sub_id))
        ]


@pytest.fixture
def other_client(seeded):
    """The recipient's own browser."""
    return seeded.test_client()


def test_a_gift_by_email_claimed_by_its_recipient_ships_to_them_and_the_buyer_never_sees_where(
    seeded, client, other_client
):
    with time_machine.travel(BOUGHT, tick=False):
        sub_id = buy(seeded, client)
        welcome_page = words(client.get(f"/culture-box/welcome/{sub_id}").text)
    assert "We've emailed Seo-yeon Park at seo-yeon@example.com" in welcome_page
    with seeded.app_context():
        sub = db.session.get(Subscription, sub_id)
        assert sub.status is SubscriptionStatus.ACTIVE and sub.awaiting_claim
        assert (sub.ship_name, sub.ship_country, sub.ship_line1) == ("Seo-yeon Park", "US", "")
        [welcome] = emails_to(seeded, BUYER, "Welcome to the Culture Box")
    assert "We've emailed Seo-yeon Park at seo-yeon@example.com" in plain(welcome)

    # The recipient's email: the message, who it is from, the link.
    [gift_mail] = emails_to(seeded, FRIEND, "Ji-woo has sent you the Culture Box")
    text = plain(gift_mail)
    assert "Happy birthday, 언니! 🎂" in text and "3 monthly boxes" in text and "/gift/claim/" in text

    # Not claimed yet: December's run ships nothing to it, and it does not run out.
    with time_machine.travel(DECEMBER_RUN, tick=False):
        run(seeded, date(2026, 12, 1))
    assert shipped_addresses(seeded, sub_id) == []
    with seeded.app_context():
        assert db.session.get(Subscription, sub_id).status is SubscriptionStatus.ACTIVE

    # The recipient claims it in their own browser, after December's cutoff.
    link = claim_link(seeded)
    with time_machine.travel(CLAIMED, tick=False):
        page = other_client.get(link)
        assert page.status_code == 200
        assert "Ji-woo has given you the Culture Box" in words(page.text) and "Happy birthday" in page.text
        assert 'value="Seo-yeon Park"' in page.text and '<option selected value="US">' in page.text
        done = other_client.post(link, data=HOME)
        assert done.status_code == 303, words(done.text)
        thanks = words(other_client.get(done.location).text)
    assert "Your first box: the January 2027 box" in thanks and "they won't see your address" in thanks
    with seeded.app_context():
        sub = db.session.get(Subscription, sub_id)
        assert sub.claimed_at is not None and sub.first_month == date(2027, 1, 1)
        assert (sub.ship_region, sub.ship_postcode, sub.ship_phone) == ("NY", "10118", "+1 212 555 0100")
        assert [(p.first_month, p.last_month) for p in sub.periods] == [(date(2027, 1, 1), date(2027, 3, 1))]
        [claimed] = emails_to(seeded, BUYER, "gift has been claimed")
    assert "Seo-yeon Park has claimed your Culture Box gift" in plain(claimed)
    assert "the January 2027 box" in plain(claimed)

    # January's run ships to the recipient's own address.
    with time_machine.travel(JANUARY_RUN, tick=False):
        run(seeded, date(2027, 1, 1))
    assert shipped_addresses(seeded, sub_id) == [("2027-01", "350 Fifth Avenue", "New York", "NY", "10118")]

    # Shipped: the buyer is told which box, never where.
    with time_machine.travel(datetime(2027, 1, 15, 10, 0, tzinfo=UTC), tick=False):
        with seeded.app_context():
            shipment = db.session.scalar(select(Shipment).filter_by(subscription_id=sub_id))
            fulfilment.mark_shipped(shipment, "royal-mail", "LX123456789GB", actor="warehouse")
            db.session.commit()
        sign_in(client, BUYER)  # a month later
        manage_page = client.get(f"/account/subscriptions/{sub_id}")
        account_page = client.get("/account").text
        export = client.get("/account/data").text
    [on_its_way] = emails_to(seeded, BUYER, "The January box of your gift is on its way")
    assert emails_to(seeded, BUYER, "Your January Culture Box is on its way") == []
    [tracking] = emails_to(seeded, FRIEND, "Your January Culture Box is on its way")
    assert "LX123456789GB" in plain(tracking) and "New York" in plain(tracking)
    page = words(manage_page.text)
    assert "Sent 15 January 2027" in page and "They claimed it on 20 December 2026" in page
    for mail in [welcome, claimed, on_its_way]:
        for bit in SECRET_BITS + ["LX123456789GB"]:
            assert bit not in plain(mail), bit
    for seen in [manage_page.text, account_page, export]:
        for bit in SECRET_BITS + ["LX123456789GB"]:
            assert bit not in seen, bit

    # The buyer can neither move nor skip the recipient's boxes.
    sign_in(client, BUYER)
    assert client.get(f"/account/subscriptions/{sub_id}/address").status_code == 404
    assert client.post(f"/account/subscriptions/{sub_id}/address/confirm", data=HOME).status_code == 404
    assert "Skip the" not in page
    with seeded.app_context():
        sub = db.session.get(Subscription, sub_id)
        assert manage.skippable_edition(sub, datetime(2027, 1, 20, tzinfo=UTC)) is None
        with pytest.raises(SubscriptionError):
            manage.skip_next_box(sub, now=datetime(2027, 1, 20, tzinfo=UTC))


def test_the_claim_link_works_once(seeded, client, other_client):
    with time_machine.travel(BOUGHT, tick=False):
        buy(seeded, client)
        link = claim_link(seeded)
        assert other_client.post(link, data=HOME).status_code == 303
        again = other_client.get(link)
        assert again.status_code == 410 and "This gift has been claimed already" in words(again.text)
        twice = other_client.post(link, data={**HOME, "line1": "1 Other Street"})
        assert twice.status_code == 410
    with seeded.app_context():
        assert the_gift().ship_line1 == "350 Fifth Avenue"


def test_the_claim_link_expires_and_cannot_be_forged(seeded, client, other_client):
    with time_machine.travel(BOUGHT, tick=False):
        sub_id = buy(seeded, client)
        link = claim_link(seeded)
    with time_machine.travel(datetime(2027, 6, 10, tzinfo=UTC), tick=False):  # 187 days later
        expired = other_client.get(link)
    assert expired.status_code == 410 and "This gift link has expired" in words(expired.text)
    with time_machine.travel(BOUGHT, tick=False):
        forged = other_client.get(link[:-3] + "abc")
        assert forged.status_code == 410 and "isn't valid" in words(forged.text)
        with seeded.app_context():
            sub = db.session.get(Subscription, sub_id)
            sub.claim_nonce = gifts.new_nonce()  # a link for another nonce
            other = gifts.claim_token(sub)
            db.session.rollback()
        assert other_client.get(f"/gift/claim/{other}").status_code == 410
        assert other_client.get(link).status_code == 200  # the real one still works


def test_a_claim_must_be_an_address_the_gift_paid_to_ship_to(seeded, client, other_client):
    with time_machine.travel(BOUGHT, tick=False):
        buy(seeded, client)
        link = claim_link(seeded)
        korea = {**HOME, "country": "KR", "region": "", "postcode": "03187", "city": "Seoul"}
        refused = other_client.post(link, data=korea)
        assert refused.status_code == 422
        assert "This gift's delivery was paid for United States (North America)" in words(refused.text)
        assert 'value="350 Fifth Avenue"' in refused.text
        bad = other_client.post(link, data={**HOME, "postcode": "1011", "region": ""})
        assert bad.status_code == 422 and "Please enter the state" in words(bad.text)
    with seeded.app_context():
        assert the_gift().awaiting_claim


def test_the_recipient_may_create_an_account_when_claiming(seeded, client, other_client):
    with time_machine.travel(BOUGHT, tick=False):
        sub_id = buy(seeded, client)
        link = claim_link(seeded)
        done = other_client.post(link, data={**HOME, "password": "a long enough passphrase"})
        assert done.status_code == 303
        account = words(other_client.get("/account").text)
        assert "Sign out" in account
        assert "Gifts for you Culture Box · Gift of 3 months, from Ji-woo" in account
        assert "350 Fifth Avenue" in account  # theirs to see
    with seeded.app_context():
        from shop.accounts.models import User

        friend = db.session.scalar(select(User).filter_by(email=FRIEND))
        assert friend is not None and db.session.get(Subscription, sub_id).recipient_user_id == friend.id


def test_typing_their_address_yourself_still_works(seeded, client):
    typed = {"plan": "gift-3", "delivery": "address", "first_month": "2026-12", **HOME}
    with time_machine.travel(BOUGHT, tick=False):
        sub_id = buy(seeded, client, form=typed)
        run_at = DECEMBER_RUN
    assert emails_to(seeded, FRIEND) == []
    with time_machine.travel(run_at, tick=False):
        run(seeded, date(2026, 12, 1))
    assert shipped_addresses(seeded, sub_id) == [("2026-12", "350 Fifth Avenue", "New York", "NY", "10118")]
    with seeded.app_context():
        assert not db.session.get(Subscription, sub_id).sent_by_email


def test_a_gift_by_email_needs_their_email_not_their_address(seeded, client):
    with seeded.app_context():
        make_user(BUYER)
    sign_in(client, BUYER)
    with time_machine.travel(BOUGHT, tick=False):
        missing = client.post("/culture-box/gift", data={**GIFT, "recipient_email": ""})
        assert missing.status_code == 422
        page = words(missing.text)
        assert "Please enter their email address" in page and "first line of the address" not in page
        review = client.post("/culture-box/gift", data=GIFT)
        assert review.status_code == 302
        shown = words(client.get("/culture-box/subscribe/review").text)
    assert "Seo-yeon Park seo-yeon@example.com in United States" in shown
    assert "North America" in shown
