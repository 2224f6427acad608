"""Every change a subscriber or the shop makes is emailed, once, through the job queue, with
the right amounts: skip and undo, pause and resume, moving house, cancel and keep, a new
card, a receipt for every renewal and recovered payment, and the reminder before a renewal.
Also: undoing a skip, until the cutoff and not after."""

from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from shop.core.addresses import PostalAddress
from shop.extensions import db
from shop.jobs.models import Job
from shop.subscriptions import demo_sales, lifecycle, manage, reminders
from shop.subscriptions.models import Skip
from shop.subscriptions.models import SubscriptionStatus as S

from ..accounts.factories import outbox
from .account_support import (
    APR,
    FEB,
    JAN,
    MAR,
    gateway,  # noqa: F401  (fixture)
    load,
    owned_subscription,
    signed_in,
)
from .test_account_pages import text

MAY = APR.replace(month=5)
BEFORE_FEB_CUTOFF = datetime(2027, 2, 5, 12, 0, tzinfo=UTC)
AFTER_FEB_CUTOFF = datetime(2027, 2, 12, 12, 0, tzinfo=UTC)


def mails(app, subject: str = "") -> list:
    return [m for m in outbox(app) if subject in m["Subject"]]


def body(message) -> str:
    """The plain-text part, which every email has beside the HTML one."""
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Inspire Me Korea · Korean culture, shipped worldwide from the UK" in html  # the shop's layout
    return message.get_body(preferencelist=("plain",)).get_content()


def email_jobs(app) -> list[Job]:
    with app.app_context():
        return list(db.session.scalars(select(Job).where(Job.kind == "email.send").order_by(Job.id)))


def only_mail(app, subject: str) -> str:
    """The one email with `subject`, recorded as one job: its text."""
    [message] = mails(app, subject)
    assert [j.payload["subject"] for j in email_jobs(app)].count(message["Subject"]) == 1
    return body(message)


# ---- skip and undo ------------------------------------------------------------------------


def test_skip_is_emailed_once_with_the_next_box_and_payment(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        client.post(f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"})
    mail = only_mail(seeded, "The February 2027 box is skipped")
    assert "You've skipped the February 2027 box" in mail
    assert "undo the skip from your account until 10 February, 23:59 UK time" in mail
    assert "Next box: the March 2027 box" in mail and "(paid for)" in mail
    assert "Next payment: £24.99 on 1 April 2027" in mail
    assert "http://localhost/account/subscriptions/" in mail


def test_undo_skip_before_the_cutoff_brings_the_box_back_and_emails(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(
            client.post(
                f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"}, follow_redirects=True
            ).text
        )
        assert "Undo: send me the February box until 10 February, 23:59 UK time" in page
        with seeded.app_context():
            assert [(p.first_month, p.last_month) for p in load(sub_id).periods] == [(FEB, MAY)]
        page = text(
            client.post(
                f"/account/subscriptions/{sub_id}/skip/undo", data={"edition": "2027-02"}, follow_redirects=True
            ).text
        )
    assert "Done: the February 2027 box is back on" in page
    assert "Skipped:" not in page
    with seeded.app_context():
        sub = load(sub_id)
        assert [(p.first_month, p.last_month) for p in sub.periods] == [(FEB, APR)]
        assert lifecycle.upcoming_boxes(sub, BEFORE_FEB_CUTOFF) == [FEB, MAR, APR]
        assert db.session.scalar(select(Skip.id).filter_by(subscription_id=sub_id)) is None
        assert [e.kind for e in sub.events][-2:] == ["skip", "unskip"]
    # the provider was told of the new renewal both times: a month later, then back again
    assert [c[0] for c in gateway.calls] == ["reschedule", "reschedule"]
    assert gateway.calls[-1][2] == datetime(2027, 5, 1, 9, tzinfo=UTC)
    mail = only_mail(seeded, "The February 2027 box is back on")
    assert "You've undone the skip: the February 2027 box" in mail
    assert "Next box: the February 2027 box" in mail


def test_undo_skip_after_the_cutoff_is_refused(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        client.post(f"/account/subscriptions/{sub_id}/skip", data={"edition": "2027-02"})
    with time_machine.travel(AFTER_FEB_CUTOFF, tick=False):
        page = text(client.get(f"/account/subscriptions/{sub_id}").text)
        assert "Skipped: the February 2027 box" in page and "Undo" not in page
        response = client.post(
            f"/account/subscriptions/{sub_id}/skip/undo", data={"edition": "2027-02"}, follow_redirects=True
        )
    assert "The February box has passed its cutoff, so the skip can no longer be undone." in text(response.text)
    with seeded.app_context():
        assert [(p.first_month, p.last_month) for p in load(sub_id).periods] == [(FEB, MAR)]
        assert db.session.scalar(select(Skip.id).filter_by(subscription_id=sub_id)) is not None
    assert mails(seeded, "back on") == []


# ---- pause, resume, cancel, keep ------------------------------------------------------------


def test_pause_resume_cancel_keep_each_send_one_email(seeded, client, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        client.post(f"/account/subscriptions/{sub_id}/pause")
        client.post(f"/account/subscriptions/{sub_id}/resume")
        client.post(f"/account/subscriptions/{sub_id}/cancel", data={"offer_seen": "1"})
        client.post(f"/account/subscriptions/{sub_id}/keep")
    paused = only_mail(seeded, "Your Culture Box is paused")
    assert "You've paused your Culture Box (3 months prepaid)" in paused
    assert "still ship: the February 2027 box, the March 2027 box, the April 2027 box." in paused
    assert "No payments are taken while your subscription is paused." in paused
    resumed = only_mail(seeded, "running again")
    assert "Next payment: £70.47 on 1 May 2027" in resumed, resumed
    cancelled = only_mail(seeded, "Your Culture Box is cancelled")
    assert "Nothing more will be charged" in cancelled
    assert 'Your last box is the April 2027 box ("Theme of April")' in cancelled
    kept = only_mail(seeded, "carries on")
    assert "you've taken back the cancellation" in kept
    assert len(email_jobs(seeded)) == 4


def test_a_change_made_by_the_shop_says_we(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
        manage.pause(load(sub_id), actor="admin:Faye")
        db.session.commit()
    assert "We've paused your Culture Box" in only_mail(seeded, "paused")


# ---- moving house -----------------------------------------------------------------------------


def test_moving_house_emails_the_old_and_new_address_and_price(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription()
        sub = load(sub_id)
        old_total = sub.total_pence
        manage.change_address(
            sub, PostalAddress.of(name="Min-ji Kim", line1="5 Rue Daval", city="Paris", postcode="75011", country="FR")
        )
        db.session.commit()
        new = load(sub_id)
        new_total, new_shipping, box = new.total_pence, new.shipping_pence, new.box_pence
    assert new_total != old_total
    mail = only_mail(seeded, "address has changed")
    before, after = mail.split("From now on:")
    assert "Hanok Lane, Leeds LS1 1AA, United Kingdom" in before
    assert f"Each payment: £{old_total / 100:.2f} (includes UK VAT" in before
    assert "5 Rue Daval" in after and "France" in after
    assert (
        f"Each payment: £{new_total / 100:.2f} (box £{box / 100:.2f}, shipping Europe £{new_shipping / 100:.2f})"
        in after
    )
    assert "no UK VAT: export" in after


# ---- payments -------------------------------------------------------------------------------


def test_a_demo_renewal_sends_a_receipt_with_amount_vat_and_the_box(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN, provider="demo", provider_customer_id="demo_card_4242")
        report = demo_sales.renew_due(FEB)
        demo_sales.renew_due(FEB)  # a second run takes nothing twice
        db.session.commit()
        [period] = [p for p in load(sub_id).periods if p.first_month == FEB]
        assert (period.amount_pence, period.vat_pence, period.box_pence) == (2499, 417, 2499)
    assert len(report.paid) == 1
    mail = only_mail(seeded, "Receipt for your Culture Box payment")
    assert "The February 2027 box: £24.99" in mail
    assert "Paid 1 February 2027: £24.99" in mail
    assert "Includes UK VAT: £4.17" in mail
    assert f"http://localhost/account/subscriptions/{sub_id}/payments/{period.id}" in mail


def test_arrears_paid_with_a_new_card_sends_card_and_recovered_receipt(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=JAN, provider="demo", provider_customer_id="demo_card_0341")
        demo_sales.renew_due(FEB)
        db.session.commit()
        assert load(sub_id).status is S.ARREARS
        with time_machine.travel(datetime(2027, 2, 3, 12, tzinfo=UTC), tick=False):
            assert demo_sales.CardUpdate().pay(sub_id, reference="", card="4242424242424242")
        db.session.commit()
        assert load(sub_id).status is S.ACTIVE
    assert "You've updated the card your Culture Box payments are taken from (now the card ending 4242)" in only_mail(
        seeded, "card is updated"
    )
    mail = only_mail(seeded, "Receipt for your Culture Box overdue payment")
    assert "the overdue payment for your Culture Box is paid" in mail
    assert "The February 2027 box: £24.99" in mail


# ---- the reminder before a renewal ------------------------------------------------------------


def test_a_prepaid_renewal_is_reminded_once_a_few_days_before(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)  # paid Feb-Apr; renews 1 May
        monthly_id = owned_subscription(first_month=APR, email="monthly@example.com")  # same price each month
        assert reminders.send_due(datetime(2027, 4, 20, 10, tzinfo=UTC), days=5) == []  # too early
        sent = reminders.send_due(datetime(2027, 4, 27, 10, tzinfo=UTC), days=5)
        again = reminders.send_due(datetime(2027, 4, 28, 10, tzinfo=UTC), days=5)
        db.session.commit()
    assert sent == [sub_id] and again == [] and monthly_id not in sent
    mail = only_mail(seeded, "Your Culture Box renews on 1 May")
    text_ = mail.replace("\n", " ")
    assert "on 1 May 2027 we'll take £70.47 for your Culture Box (3 months prepaid)" in text_, text_
    assert "for 3 boxes from the May 2027 box to the July 2027 box" in text_
    assert f"Cancel: http://localhost/account/subscriptions/{sub_id}/cancel" in mail


def test_a_monthly_charge_after_a_price_change_is_reminded(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription(first_month=FEB)  # paid February; renews 1 March
        manage.change_address(
            load(sub_id),
            PostalAddress.of(name="Min-ji Kim", line1="5 Rue Daval", city="Paris", postcode="75011", country="FR"),
        )
        sent = reminders.send_due(datetime(2027, 2, 25, 10, tzinfo=UTC), days=5)
        db.session.commit()
        total = load(sub_id).total_pence
    assert sent == [sub_id]
    mail = only_mail(seeded, "renews on 1 March").replace("\n", " ")
    assert f"we'll take £{total / 100:.2f}" in mail
    assert "This is a new price since your last payment" in mail and "France (Europe)" in mail


# ---- receipts in the account ------------------------------------------------------------------


def test_each_payment_has_a_printable_receipt_with_its_vat(seeded, client, gateway):
    with seeded.app_context():
        uk_id = owned_subscription(first_month=FEB)
        export_id = owned_subscription(first_month=FEB, country="FR", email="paris@example.com")
        [uk_period] = load(uk_id).periods
        [fr_period] = load(export_id).periods
        uk_period_id, fr_period_id = uk_period.id, fr_period.id
        fr_split = (fr_period.amount_pence, fr_period.vat_pence, fr_period.vat_removed_pence)
    with time_machine.travel(BEFORE_FEB_CUTOFF, tick=False):
        signed_in(client)
        page = text(client.get(f"/account/subscriptions/{uk_id}").text)
        assert "Your payments and receipts" in page and "£24.99 the February 2027 box Receipt" in page
        receipt = text(client.get(f"/account/subscriptions/{uk_id}/payments/{uk_period_id}").text)
        assert "The February 2027 Culture Box £24.99" in receipt
        assert "Total paid £24.99 Includes UK VAT £4.17" in receipt
        # another subscriber's payment, or a payment of another subscription: not found
        assert client.get(f"/account/subscriptions/{uk_id}/payments/{fr_period_id}").status_code == 404
        assert client.get(f"/account/subscriptions/{export_id}/payments/{fr_period_id}").status_code == 404
        other = signed_in(seeded.test_client(), "paris@example.com")
        receipt = text(other.get(f"/account/subscriptions/{export_id}/payments/{fr_period_id}").text)
    assert fr_split[1] == 0 and fr_split[2] > 0
    assert f"VAT removed: export £{fr_split[2] / 100:.2f} taken off" in receipt
    assert f"Total paid £{fr_split[0] / 100:.2f}" in receipt and "Zero-rated export" in receipt


def test_flask_box_remind_sends_the_reminders_due_once(seeded, gateway):
    with seeded.app_context():
        sub_id = owned_subscription("prepaid-3", first_month=FEB)
    runner = seeded.test_cli_runner()
    first = runner.invoke(args=["box", "remind", "--date", "2027-04-27"])
    again = runner.invoke(args=["box", "remind", "--date", "2027-04-27"])
    assert first.exit_code == 0 and first.output.strip() == "1 renewal reminder sent."
    assert again.output.strip() == "0 renewal reminders sent."
    assert f"/account/subscriptions/{sub_id}/cancel" in only_mail(seeded, "renews on 1 May")
