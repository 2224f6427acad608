"""A web worker killed at the worst moments: after the payment commit (the confirmation
email still arrives, delivered by the job queue), and before the customer's browser heard
which order it placed (paying again pays that order, not a second one holding stock)."""

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shop.db_types import utcnow
from shop.extensions import db
from shop.jobs import JobStatus, runner
from shop.notifications import EMAIL_JOB
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus

from .commerce import items, place, variant
from .test_checkout_views import add, checkout_to_review, start_payment
from .test_jobs import jobs_of, outbox, queued, running_worker, wait_until  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]

# The web process that takes the payment: it commits (the order paid, the email job recorded
# with it), then dies by SIGKILL before (or just after) handing the job to the queue: no
# exception handler, no atexit, nothing after the commit runs.
PAYING_PROCESS = """
import json, os, signal, sys
from shop import create_app
from shop.extensions import db
from shop.jobs import queue
from shop.orders import services as orders
from shop.payments import demo

config, number, when = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
app = create_app(config)
send = queue.send

def die(*_):
    os.kill(os.getpid(), signal.SIGKILL)

def send_then_die(app, job_ids):
    send(app, job_ids)
    die()

queue.send = die if when == "before_hand_off" else send_then_die
with app.app_context():
    order = orders.order_by_number(number)
    demo.sale_for(demo.ORDER).pay(order.id, reference="demo_" + number + "_1", card=demo.accept_card("4242424242424242"))
    db.session.commit()
print("still alive")
"""

SHARED = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "MAIL_OUTBOX_DIR", "JOBS_BROKER_URL", "SHOP_BASE_URL")


@pytest.mark.real_commits  # another process and a worker thread read what is committed
@pytest.mark.parametrize("when", ["before_hand_off", "after_hand_off"])
def test_a_worker_killed_after_the_payment_commit_still_sends_the_confirmation(queued, when):
    with queued.app_context():
        number = place(items(MAG_001=1), "GB", email="faye@example.com").number
    config = {key: queued.config[key] for key in SHARED} | {"TESTING": True, "JOBS_IMMEDIATE": False}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    died = subprocess.run(
        [sys.executable, "-c", PAYING_PROCESS, json.dumps(config), number, when],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert "still alive" not in died.stdout
    with queued.app_context():
        assert orders.order_by_number(number).status is OrderStatus.PAID  # the commit stood
    [(_, status, attempts, _)] = jobs_of(queued, EMAIL_JOB)
    assert (status, attempts) == (JobStatus.PENDING, 0) and outbox(queued) == []

    with running_worker(queued):
        if when == "before_hand_off":  # the queue never got it: the schedule's sweep hands it over
            with queued.app_context():
                assert len(runner.redispatch_overdue(now=utcnow() + timedelta(minutes=10))) == 1
                db.session.commit()
        wait_until(lambda: jobs_of(queued, EMAIL_JOB)[0][1] is JobStatus.DONE, what="the confirmation email")
    [email] = outbox(queued)
    assert number in email.read_text(encoding="utf-8", errors="replace")


def test_paying_again_after_a_lost_answer_pays_the_same_order(seeded, client):
    """The first Pay committed its order, but the browser never got the answer (the worker
    was killed after the commit, or the response was lost): its session does not name the
    order. Paying again for the same cart finds it: one order, its stock held once."""
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    start_payment(client)
    with client.session_transaction() as session:
        session.pop("checkout_order")  # what the lost response would have set
    start_payment(client)
    with seeded.app_context():
        placed = list(db.session.scalars(select(Order)))
        assert len(placed) == 1 and placed[0].status is OrderStatus.PENDING_PAYMENT
        assert placed[0].payment_attempts == 2
        assert variant("MASK-MIX-30").stock == 8 - 1  # reserved once


def test_a_different_cart_still_gets_its_own_order(seeded, client):
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    start_payment(client)
    with client.session_transaction() as session:
        session.pop("checkout_order")
    add(client, "MAG-001")
    checkout_to_review(client)
    start_payment(client)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 2
