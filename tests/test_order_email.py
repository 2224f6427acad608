"""The order confirmation email over a real SMTP server (aiosmtpd), and a mail server
that is down: the order is still paid and the email is kept in the outbox."""

import socket
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from shop.extensions import db
from shop.jobs import Job, JobStatus, runner
from shop.notifications import EMAIL_JOB
from shop.orders import services as orders
from shop.orders.models import OrderStatus
from shop.payments import demo

from .commerce import items, place


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pay_with_demo_card(order, card_number: str) -> bool:
    """What the demo payment page does with a paying card, committed as the page does."""
    paid = demo.sale_for(demo.ORDER).pay(
        order.id, reference=f"demo_{order.number}_1", card=demo.accept_card(card_number)
    )
    db.session.commit()
    return paid


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_order_confirmation_arrives_over_smtp_with_html_and_text(seeded, smtp_server):
    controller, inbox = smtp_server
    seeded.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False, MAIL_TIMEOUT=5)
    with seeded.app_context():
        order = place(items(MASK_MIX_30=1, MAG_001=2), "DE", email="jana@example.com")
        assert pay_with_demo_card(order, "4242 4242 4242 4242")
        number, token = order.number, order.access_token
    assert len(inbox.messages) == 1
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["jana@example.com"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == f"Your Inspire Me Korea order {number}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert number in part
        assert f"http://localhost/orders/{number}?token={token}" in part
        assert "Sheet Mask Set — 1-month set" in part
        assert "Zero-rated export — no UK VAT charged" in part
        assert "£54.77" in part
    assert "<table" in html and "<table" not in text
    assert not list(Path(seeded.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))  # sent, not kept


def test_a_mail_server_that_is_down_never_loses_the_order(seeded):
    seeded.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    with seeded.app_context():
        order = place(items(MAG_001=1), "GB", email="faye@example.com")
        assert pay_with_demo_card(order, "4242424242424242")
        db.session.expire_all()
        assert orders.order_by_number(order.number).status is OrderStatus.PAID
        number = order.number
    kept = list(Path(seeded.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))
    assert len(kept) == 1
    message = message_from_bytes(kept[0].read_bytes(), policy=policy.default)
    assert message["To"] == "faye@example.com" and number in message["Subject"]
    assert "Zero-rated for UK VAT — no VAT charged: £0.00" in message.get_body(("plain",)).get_content()


def _paid_without_running_jobs(app, **order_items):
    """An order paid with its email job recorded but not yet run (the worker runs it later)."""
    app.config["JOBS_IMMEDIATE"] = False
    with app.app_context():
        order = place(items(**order_items), "GB", email="faye@example.com")
        assert pay_with_demo_card(order, "4242424242424242")
        [job] = db.session.scalars(select(Job).where(Job.kind == EMAIL_JOB)).all()
        return order.number, job.id, dict(job.payload)


def _outbox(app) -> list[Path]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def test_the_confirmation_is_rendered_by_the_job_worker_from_the_order(seeded):
    """The payment's transaction records only the order's id; the worker renders the email,
    and a repeat of that job (a worker that died before recording it) writes the same message."""
    number, job_id, payload = _paid_without_running_jobs(seeded, MAG_001=2)
    assert "message" not in payload and payload["ids"] == {"order_id": payload["ids"]["order_id"]}
    assert payload["to"] == "faye@example.com" and number in payload["subject"]
    assert _outbox(seeded) == []
    with seeded.app_context():
        assert runner.run(job_id) == "done"
        db.session.execute(db.update(Job).where(Job.id == job_id).values(status=JobStatus.PENDING))
        db.session.commit()
        assert runner.run(job_id) == "done"  # run again: the same message, the same file
    [written] = _outbox(seeded)
    message = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["To"] == "faye@example.com" and message["Subject"] == f"Your Inspire Me Korea order {number}"
    assert message["Message-ID"] == f"<order-{number}-confirmation@inspiremekorea.co.uk>"
    text = message.get_body(("plain",)).get_content()
    assert number in text and "2 x" in text and "Total paid:" in text


def test_no_confirmation_goes_to_a_customer_anonymised_before_the_worker_ran(seeded):
    number, job_id, _ = _paid_without_running_jobs(seeded, MAG_001=1)
    with seeded.app_context():
        orders.anonymise(orders.order_by_number(number), actor="customer", reason="account closed")
        db.session.commit()
        assert runner.run(job_id) == "done"
    assert _outbox(seeded) == []
