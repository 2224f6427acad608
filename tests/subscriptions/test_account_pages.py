"""The subscriber's own pages (/account/subscriptions/<id>): each action end to end through
the client, with what the page says and what the database holds checked."""

import re
from datetime import UTC, datetime
from html import unescape

import time_machine
from sqlalchemy import func, select

from shop import create_app
from shop import seed as demo
from shop.extensions import db
from shop.subscriptions import lifecycle
from shop.subscriptions.models import BoxRun, Edition, Shipment, Skip, SubscriptionEvent
from shop.subscriptions.models import SubscriptionStatus as S

from ..accounts.factories import PASSWORD
from ..dbs import empty_all_tables
from .account_support import (
    FEB,
    JAN,
    MAR,
    PORTAL,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)

BEFORE_FEB_CUTOFF = datetime(2027, 2, 5, 12, 0, tzinfo=UTC)
AFTER_FEB_CUTOFF = datetime(2027, 2, 12, 12, 0, tzinfo=UTC)


def page_of(client, sub_id: int) -> str:
    response = client.get(f"/account/subscriptions/{sub_id}")
    assert response.status_code == 200
    return response.text


def text(html: str) -> str:
    """The page as words: tags dropped, whitespace squeezed (for sentence assertions)."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return unescape(words).replace(" .", ".").replace(" ,", ",")


def events(sub_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(SubscriptionEvent.kind).filter_by(subscription_id=sub_id).order_by(SubscriptionEvent.id)
        )
    )


# ---- the page --------------------------------------------------------------------------


def test_the_page_shows_plan_status_address_next_box_next_payment_and_past_boxes(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN)
        sub = load(sub_id)
        lifecycle.record_payment(sub, reference="in_feb", first_month=FEB, amount_pence=2499, actor="test")
        db.session.commit()
        # January's box went out (a box run row and a shipment with tracking)
        jan = db.session.scalar(select(Edition).filter_by(month=JAN))
        run = BoxRun(edition_id=jan.id, run_by="test", shipments_created=1)
        db.session.add(run)
        db.session.flush()
        db.session.add(
            Shipment(
                subscription_id=sub_id,
                edition_id=jan.id,
                box_run_id=run.id,
                tracking_number="RR123456789GB",
                shipped_at=datetime(2027, 1, 15, 10, tzinfo=UTC),
                ship_name="Min-ji Kim",
                ship_line1="1 Hanok Lane",
                ship_city="Leeds",
                ship_country="GB",
            )
        )
        db.session.commit()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(page_of(client, sub_id))
    assert "Monthly" in page and "One box a month, paid monthly" in page and "Active" in page
    assert "Min-ji Kim" in page and "Leeds" in page and "United Kingdom" in page
    assert "The February 2027 box — Theme of February" in page and "Ships around 15 February · paid for" in page
    assert "£24.99 on 1 March 2027" in page and "for the March 2027 box" in page
    assert "Includes UK VAT at 20% £4.17" in page
    assert (
        "The January 2027 box — Theme of January Sent 15 January 2027 · Tracking number RR123456789GB · to Leeds"
        in page
    )
    assert "You can skip it until 10 February, 23:59 UK time" in page
    assert "Pause my subscription" in page and "Cancel my subscription" in page and "Update your card" in page
    assert "Resume my subscription" not in page


def test_a_box_without_an_edition_yet_says_theme_to_be_announced(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB, editions=(FEB,))
        db.session.execute(Edition.__table__.delete().where(Edition.month > FEB))
        db.session.commit()
    with time_machine.travel(AFTER_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(page_of(client, sub_id))
    assert "3 boxes paid every 3 months" in page
    assert "The March 2027 box — theme to be announced" in page and "The April 2027 box — theme to be announced" in page
    # February is past its cutoff and no later edition exists: nothing can be skipped
    assert "too late to skip this box: its cutoff was 10 February, 23:59 UK time" in page
    assert "Skip the March" not in page


def test_the_account_lists_the_subscription_with_status_and_next_box(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = client.get("/account").text
    assert f'href="/account/subscriptions/{sub_id}"' in page
    assert '<span class="status status--active">Active</span>' in page
    assert "Next box: <strong>February 2027</strong> — Theme of February" in page


# ---- skip ------------------------------------------------------------------------------


def test_skip_before_the_cutoff_moves_the_paid_box_and_shows_the_new_next_box(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        response = client.post(
            f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"}, follow_redirects=True
        )
        page = text(response.text)
    assert "Done: you'll skip the February 2027 box. Your next box is the March 2027 box." in page
    assert "The March 2027 box — Theme of March" in page
    assert "Skipped: the February 2027 box" in page
    assert "£24.99 on 1 April 2027" in page  # the paid box moved a month, so did the renewal
    with seeded.app_context():
        sub = load(sub_id)
        # the period now spans February (skipped) to March: still exactly one box, March's
        assert [(p.first_month, p.last_month) for p in sub.periods] == [(FEB, MAR)]
        assert lifecycle.upcoming_boxes(sub, BEFORE_FEB_CUTOFF) == [MAR]
        assert db.session.scalar(select(func.count()).select_from(Skip).filter_by(subscription_id=sub_id)) == 1
        assert events(sub_id)[-1] == "skip"
    assert gateway.calls == [("reschedule", sub_id, datetime(2027, 4, 1, 9, tzinfo=UTC))]


def test_skip_after_the_cutoff_is_refused_with_the_reason(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(AFTER_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(page_of(client, sub_id))
        assert "It's too late to skip this box: its cutoff was 10 February, 23:59 UK time" in page
        assert "Skip the March 2027 box" in page  # the next one still open is offered instead
        # A page loaded before the cutoff, sent after it:
        response = client.post(
            f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"}, follow_redirects=True
        )
    assert "The February box passed its cutoff (10 February, 23:59 UK time) and can no longer be skipped" in text(
        response.text
    )
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Skip)) == 0
        assert [(p.first_month, p.last_month) for p in load(sub_id).periods] == [(FEB, FEB)]
    assert gateway.calls == []


# ---- pause, resume ---------------------------------------------------------------------


def test_pause_then_resume(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(client.post(f"/account/subscriptions/{sub_id}/pause", follow_redirects=True).text)
        assert "Paused: no payments are taken until you resume" in page
        assert "Resume my subscription" in page and "Pause my subscription" not in page
        assert "Skip the" not in page  # only an active subscription can skip
        with seeded.app_context():
            assert load(sub_id).status is S.PAUSED
        page = text(client.post(f"/account/subscriptions/{sub_id}/resume", follow_redirects=True).text)
    assert "Welcome back: your subscription is running again" in page
    assert "£24.99 on 1 March 2027" in page
    with seeded.app_context():
        assert load(sub_id).status is S.ACTIVE
        assert events(sub_id)[-2:] == ["status", "status"]
    assert gateway.calls == [("pause", sub_id), ("resume", sub_id, datetime(2027, 3, 1, 9, tzinfo=UTC))]


# ---- cancel ----------------------------------------------------------------------------


def test_cancel_confirms_the_last_box_then_the_page_says_it_ends_and_no_next_payment(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        confirm = text(client.get(f"/account/subscriptions/{sub_id}/cancel").text)
        assert "Your last box will be the April 2027 box — Theme of April." in confirm
        assert "the payment of £70.47 on 1 May 2027 won't be taken" in confirm
        with seeded.app_context():
            assert load(sub_id).cancel_at_period_end is False  # the GET changed nothing
        # Once, a skip or a pause is offered instead; nothing is cancelled yet
        offer = text(client.post(f"/account/subscriptions/{sub_id}/cancel", data={"reason": "too_much"}).text)
        assert "Would a break do instead?" in offer
        assert "Skip the February box instead" in offer and "Pause instead" in offer
        with seeded.app_context():
            assert load(sub_id).cancel_at_period_end is False
        assert gateway.calls == []
        page = text(
            client.post(
                f"/account/subscriptions/{sub_id}/cancel",
                data={"reason": "too_much", "offer_seen": "1"},
                follow_redirects=True,
            ).text
        )
    assert "Cancelled: nothing more will be charged. The April 2027 box is your last." in page
    assert "No more payments" in page and "Your subscription ends after the April 2027 box" in page
    assert "on 1 May 2027" not in page
    assert "Cancel my subscription" not in page and "Pause my subscription" not in page
    with seeded.app_context():
        assert load(sub_id).cancel_at_period_end is True and events(sub_id)[-1] == "cancel"
    assert gateway.calls == [("cancel_at_period_end", sub_id)]


def test_keeping_a_cancelled_subscription_brings_the_next_payment_back(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        assert "Keep my subscription" not in client.get(f"/account/subscriptions/{sub_id}").text
        client.post(f"/account/subscriptions/{sub_id}/cancel", data={"offer_seen": "1"})
        page = text(client.post(f"/account/subscriptions/{sub_id}/keep", follow_redirects=True).text)
        assert "Glad you're staying" in page
        assert "£70.47 on 1 May 2027" in page and "Keep my subscription" not in page
        again = text(client.post(f"/account/subscriptions/{sub_id}/keep", follow_redirects=True).text)
    assert "This subscription is not cancelled." in again
    with seeded.app_context():
        assert load(sub_id).cancel_at_period_end is False and events(sub_id)[-2:] == ["cancel", "keep"]
    assert gateway.calls == [("cancel_at_period_end", sub_id), ("keep_renewing", sub_id)]


# ---- address change --------------------------------------------------------------------

ADDRESS = {
    "name": "Min-ji Kim",
    "line1": "88 Queen Street West",
    "line2": "",
    "city": "Toronto",
    "postcode": "M5H 2N2",
    "country": "CA",
    "region": "Ontario",
}


def test_address_change_uk_to_canada_shows_the_requote_before_confirming(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        form = client.get(f"/account/subscriptions/{sub_id}/address").text
        assert 'value="1 Hanok Lane"' in form or "Hanok Lane" in form
        assert '<option selected value="GB">' in form
        review = client.post(f"/account/subscriptions/{sub_id}/address", data=ADDRESS)
        assert review.status_code == 200
        words = text(review.text)
        assert "Each payment changes from £24.99 to £29.11, from the payment on 1 March 2027" in words
        assert "Now — to United Kingdom Box £24.99 Shipping: United Kingdom Included" in words
        assert "New — to Canada Box (UK VAT removed) £20.82 Shipping: North America £8.29" in words
        assert "VAT removed: export £5.83 taken off" in words
        with seeded.app_context():
            assert load(sub_id).ship_country == "GB"  # nothing changed before confirming
        assert gateway.calls == []
        hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', review.text))
        assert hidden["country"] == "CA" and hidden["city"] == "Toronto"
        page = text(
            client.post(f"/account/subscriptions/{sub_id}/address/confirm", data=hidden, follow_redirects=True).text
        )
    assert "Address changed: boxes now go to Toronto, Canada. Each payment from now on is £29.11." in page
    assert "£29.11 on 1 March 2027" in page and "88 Queen Street West" in page
    with seeded.app_context():
        sub = load(sub_id)
        assert (sub.ship_line1, sub.ship_city, sub.ship_postcode, sub.ship_country) == (
            "88 Queen Street West",
            "Toronto",
            "M5H 2N2",
            "CA",
        )
        assert events(sub_id)[-1] == "address"
    assert gateway.calls == [("change_amount", sub_id, 2911)]


def test_going_back_from_the_review_keeps_the_typed_address(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    signed_in(client)
    form = client.post(f"/account/subscriptions/{sub_id}/address", data={**ADDRESS, "edit": "1"}).text
    assert 'value="88 Queen Street West"' in form and '<option selected value="CA">' in form
    assert "There is a problem" not in form


def test_a_country_we_do_not_ship_to_keeps_the_typed_address(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    signed_in(client)
    response = client.post(
        f"/account/subscriptions/{sub_id}/address",
        data={**ADDRESS, "line1": "12 Tverskaya", "city": "Moscow", "country": "RU"},
    )
    assert response.status_code == 200
    assert "Sorry, we can't ship to Russian Federation at the moment." in text(response.text)
    assert 'value="12 Tverskaya"' in response.text and '<option selected value="RU">' in response.text
    assert 'aria-describedby="country-error"' in response.text
    with seeded.app_context():
        assert load(sub_id).ship_country == "GB"


def test_a_tampered_confirm_is_checked_again(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    signed_in(client)
    response = client.post(
        f"/account/subscriptions/{sub_id}/address/confirm",
        data={**ADDRESS, "line1": "", "country": "GB", "postcode": ""},
    )
    assert response.status_code == 200
    assert "Please enter the first line of the address." in response.text
    assert "Please enter the postcode: every address in the United Kingdom has one." in response.text
    with seeded.app_context():
        assert load(sub_id).ship_city == "Leeds"
    assert gateway.calls == []


def test_a_gift_shows_its_message_and_recipient_and_moves_only_within_its_region(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("gift-3", first_month=FEB, gift_message="Happy birthday, Ji-woo! 생일 축하해")
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(page_of(client, sub_id))
        assert "A gift of 3 boxes, paid once" in page and "Happy birthday, Ji-woo! 생일 축하해" in page
        assert "A gift: paid once (£70.47). There are no more payments." in page
        assert "Change the recipient's address" in page
        assert (
            "Pause my subscription" not in page
            and "Cancel my subscription" not in page
            and "Update your card" not in page
        )
        refused = client.post(f"/account/subscriptions/{sub_id}/address", data=ADDRESS)
        assert refused.status_code == 200
        assert "paid for its original destination" in refused.text and 'value="88 Queen Street West"' in refused.text
        moved = client.post(
            f"/account/subscriptions/{sub_id}/address",
            follow_redirects=True,
            data={**ADDRESS, "line1": "3 Castle Street", "city": "Edinburgh", "postcode": "EH1 2AB", "country": "GB"},
        )
    assert "Address changed: the gift's boxes now go to Edinburgh, United Kingdom." in text(moved.text)
    with seeded.app_context():
        assert (load(sub_id).ship_city, load(sub_id).ship_country) == ("Edinburgh", "GB")
    assert gateway.calls == []  # nothing to re-price for a gift


# ---- arrears and the card --------------------------------------------------------------


def test_arrears_shows_the_overdue_notice_and_the_card_link(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN)
        lifecycle.mark_arrears(load(sub_id), actor="test", reason="card declined")
        db.session.commit()
    with time_machine.travel(datetime(2027, 2, 3, 12, tzinfo=UTC), tick=False):
        signed_in(client)
        html = page_of(client, sub_id)
        listing = client.get("/account").text
        response = client.get(f"/account/subscriptions/{sub_id}/card")
    page = text(html)
    assert "Payment overdue" in page and "Your payment is overdue" in page
    assert "We couldn't take the payment of £24.99 due on 1 February 2027" in page
    assert "No new box can ship until it is paid" in page
    assert f'<a class="button button--primary" href="/account/subscriptions/{sub_id}/card">Update your card</a>' in html
    assert "Skip the" not in page and "Pause my subscription" not in page
    assert f'href="/account/subscriptions/{sub_id}/card">Update your card</a>' in listing
    assert response.status_code == 302 and response.headers["Location"] == PORTAL
    assert gateway.calls == [("card_update_url", sub_id, f"http://localhost/account/subscriptions/{sub_id}")]


def test_the_card_link_for_a_gift_explains_instead(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("gift-3")
    signed_in(client)
    response = client.get(f"/account/subscriptions/{sub_id}/card", follow_redirects=True)
    assert "This subscription has no renewals to pay." in response.text
    assert gateway.calls == []


def test_a_refusal_from_the_payment_provider_is_shown_and_changes_nothing(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
        before = events(sub_id)
    gateway.refuse = "We couldn't reach our payment provider. Please try again in a few minutes."
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        for action in ("pause", "cancel"):
            response = client.post(
                f"/account/subscriptions/{sub_id}/{action}", data={"offer_seen": "1"}, follow_redirects=True
            )
            assert "We couldn&#39;t reach our payment provider. Please try again in a few minutes." in response.text
        skipped = client.post(
            f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"}, follow_redirects=True
        )
        assert "couldn&#39;t reach our payment provider" in skipped.text
        moved = client.post(f"/account/subscriptions/{sub_id}/address/confirm", data=ADDRESS)
        assert moved.status_code == 200 and "couldn&#39;t reach our payment provider" in moved.text
        assert 'value="88 Queen Street West"' in moved.text
    with seeded.app_context():
        sub = load(sub_id)
        assert sub.status is S.ACTIVE and sub.cancel_at_period_end is False and sub.ship_country == "GB"
        assert [(p.first_month, p.last_month) for p in sub.periods] == [(FEB, FEB)]
        assert db.session.scalar(select(func.count()).select_from(Skip)) == 0
        assert events(sub_id) == before


def test_an_ended_subscription_offers_no_actions(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN)
        lifecycle.end(load(sub_id), actor="test", reason="ran out")
        db.session.commit()
    signed_in(client)
    page = text(page_of(client, sub_id))
    assert "Ended" in page and "Change your subscription" not in page
    assert client.post(f"/account/subscriptions/{sub_id}/pause", follow_redirects=True).status_code == 200
    with seeded.app_context():
        assert load(sub_id).status is S.ENDED


# ---- CSRF ------------------------------------------------------------------------------


def test_csrf_is_required_on_the_subscription_actions(database_url, tmp_path, gateway):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "WTF_CSRF_ENABLED": True,
            "MAIL_OUTBOX_DIR": str(tmp_path),
            "SHOP_BASE_URL": "http://localhost",
        }
    )
    try:
        with app.app_context():
            demo.load_all(app.config["SHOP_CONTENT_DIR"])
            sub_id = owned_subscription()
        client = app.test_client()
        sign_page = client.get("/account/sign-in").text
        token = sign_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert (
            client.post(
                "/account/sign-in", data={"email": "subscriber@example.com", "password": PASSWORD, "csrf_token": token}
            ).status_code
            == 302
        )
        for action in ("pause", "cancel", "skip", "address/confirm"):
            forged = client.post(f"/account/subscriptions/{sub_id}/{action}", data={**ADDRESS, "edition": "2027-02"})
            assert forged.status_code == 400, action
        page = client.get(f"/account/subscriptions/{sub_id}").text
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        assert client.post(f"/account/subscriptions/{sub_id}/pause", data={"csrf_token": token}).status_code == 302
        with app.app_context():
            sub = load(sub_id)
            assert sub.status is S.PAUSED and sub.ship_country == "GB" and not sub.cancel_at_period_end
        assert gateway.calls == [("pause", sub_id)]
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()


def test_arrears_paid_through_the_demo_card_page_brings_the_subscriber_back_active(seeded, client):
    """No stand-in here: the demo gateway's own card page, as in a shop without Stripe keys."""
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN, provider="demo")
        lifecycle.mark_arrears(load(sub_id), actor="test", reason="card declined")
        db.session.commit()
    with time_machine.travel(datetime(2027, 2, 3, 12, tzinfo=UTC), tick=False):
        signed_in(client)
        card_page = client.get(f"/account/subscriptions/{sub_id}/card", follow_redirects=True)
        assert card_page.status_code == 200 and "4242" in card_page.text
        paid = client.post(
            card_page.request.path,
            follow_redirects=True,
            data={"card_number": "4242 4242 4242 4242", "expiry": "12/30", "cvc": "123"},
        )
        page = text(paid.text)
    assert paid.request.path == f"/account/subscriptions/{sub_id}"
    assert "the overdue payment is paid" in page
    assert "Your payment is overdue" not in page and "Active" in page
    assert "£24.99 on 1 March 2027" in page
    with seeded.app_context():
        sub = load(sub_id)
        assert sub.status is S.ACTIVE and lifecycle.paid_months(sub) == [JAN, FEB]
