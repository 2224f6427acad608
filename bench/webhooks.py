"""Signed Stripe webhooks through one web worker process: events per second and CPU per event.

    .venv/bin/python bench/webhooks.py                 # SQLite
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/webhooks.py
    .venv/bin/python bench/webhooks.py --events 500    # fewer (or more) of each kind
    BENCH_JOBS_BROKER_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/webhooks.py   # a Redis queue

The shop is served by gunicorn with its own settings (gunicorn.conf.py: gthread, keep-alive)
and ONE worker process. Before it starts, the bench bulk-loads pending orders with two lines
each in a scratch database (on PostgreSQL one is created on that server and dropped
afterwards). It then posts, over one keep-alive connection, payloads signed as Stripe signs
them with the shop's webhook secret:

- working: one checkout.session.completed per pending order, so each marks an order paid
  and records its confirmation email job;
- ignored: an event type the shop does not handle (recorded once, acknowledged).

It prints events per second and the web worker's CPU milliseconds per event for each, then
checks that every order is paid with one email job, and runs those jobs here as the job
worker would (rendering and writing each email to a scratch outbox), timing that too.
"""

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import stripe
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from box_run import quiet_upgrade, scratch_database  # noqa: E402

from shop import create_app  # noqa: E402
from shop.extensions import db  # noqa: E402
from shop.jobs import Job, runner  # noqa: E402
from shop.orders.models import Order, OrderLine, OrderStatus, VatTreatment  # noqa: E402

SECRET = "whsec_bench_" + secrets.token_hex(8)
CHUNK = 5_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def load_orders(count: int) -> list[tuple[int, str, int]]:
    """`count` pending orders of two lines each; returns (id, number, total) per order."""
    now = datetime.now(UTC)
    orders = []
    for start in range(0, count, CHUNK):
        rows, lines = [], []
        for n in range(start, min(start + CHUNK, count)):
            total = 2 * 1850 + 399
            rows.append(
                dict(
                    id=n + 1,
                    number=f"B{n:07d}",
                    access_token=secrets.token_urlsafe(24),
                    email=f"buyer{n}@example.com",
                    status=OrderStatus.PENDING_PAYMENT,
                    currency="GBP",
                    vat_treatment=VatTreatment.UK,
                    shipping_zone="UK",
                    shipping_method="Royal Mail Tracked 48",
                    parcel_weight_g=500,
                    items_pence=2 * 1850,
                    shipping_pence=399,
                    discount_pence=0,
                    vat_pence=683,
                    vat_removed_pence=0,
                    total_pence=total,
                    payment_provider="stripe",
                    payment_reference=f"cs_bench_{n}",
                    payment_attempts=1,
                    ship_name=f"Buyer {n}",
                    ship_line1=f"{n} Hanok Lane",
                    ship_line2="",
                    ship_city="Leeds",
                    ship_postcode="LS1 1AA",
                    ship_country="GB",
                    ship_region="",
                    ship_phone="",
                    created_at=now,
                    updated_at=now,
                    version=1,
                )
            )
            for sku, name in (("MASK-1", "Sheet Mask Set — 1-month set"), ("TEA-1", "Barley Tea — 500 g")):
                lines.append(
                    dict(
                        order_id=n + 1,
                        name=name,
                        sku=sku,
                        catalogue_price_pence=1850,
                        unit_price_pence=1850,
                        quantity=1,
                        line_total_pence=1850,
                        vat_pence=308,
                        vat_rate_percent=20,
                        customs_description=name,
                        hs_code="330499",
                        origin_country="KR",
                        weight_g=200,
                        free_shipping=False,
                    )
                )
            orders.append((n + 1, f"B{n:07d}", total))
        db.session.execute(insert(Order), rows)
        db.session.execute(insert(OrderLine), lines)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval('order_id_seq', :n)"), {"n": count})
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return orders


def event(event_type: str, obj: dict) -> dict:
    return {
        "id": f"evt_bench_{uuid.uuid4().hex}",
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }


def completed(order_id: int, number: str, total: int) -> dict:
    return event(
        "checkout.session.completed",
        {
            "id": f"cs_bench_{order_id - 1}",
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": "paid",
            "amount_total": total,
            "currency": "gbp",
            "client_reference_id": str(order_id),
            "customer_email": f"buyer{order_id - 1}@example.com",
            "metadata": {"order_id": str(order_id), "order_number": number},
            "payment_intent": f"pi_bench_{order_id}",
        },
    )


def ignored(n: int) -> dict:
    return event("customer.created", {"id": f"cus_bench_{n}", "object": "customer", "email": f"c{n}@example.com"})


def signed(payload: dict) -> tuple[bytes, str]:
    body = json.dumps(payload)
    return body.encode(), stripe.WebhookSignature.generate_signature_header(body, SECRET)


def worker_pid(master: int) -> int:
    """The pid of the one gunicorn worker (the master's child)."""
    for _ in range(100):
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def queue_url(folder: str) -> str:
    """Where the web worker hands the jobs over: BENCH_JOBS_BROKER_URL (redis://… as in
    production), else a SQLite file, the development default."""
    return os.environ.get("BENCH_JOBS_BROKER_URL") or f"sqlite:///{folder}/jobs-queue.sqlite"


def serve(url: str, port: int, folder: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "STRIPE_WEBHOOK_SECRET": SECRET,
        "STRIPE_SECRET_KEY": "sk_test_bench_offline",
        "JOBS_BROKER_URL": queue_url(folder),
        "MAIL_OUTBOX_DIR": f"{folder}/outbox",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "WEB_THREADS": "1",
        "WEB_MAX_REQUESTS": "0",
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py", "shop:create_app()"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_until_up(port: int) -> None:
    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the shop did not start")


def post_all(port: int, pid: int, payloads: list[tuple[bytes, str]], expect: str) -> tuple[float, float]:
    """Post every payload on one keep-alive connection; returns (events/s, CPU ms per event)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    cpu_before, started = cpu_seconds(pid), time.perf_counter()
    for body, signature in payloads:
        conn.request(
            "POST", "/webhooks/stripe", body, {"Stripe-Signature": signature, "Content-Type": "application/json"}
        )
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200 or expect not in json.loads(answer)["outcome"]:
            raise RuntimeError(f"unexpected answer {response.status}: {answer[:200]!r}")
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu_before
    conn.close()
    return len(payloads) / elapsed, cpu / len(payloads) * 1000


def bench(count: int, server: str | None, port: int) -> None:
    url, drop = scratch_database(server)
    folder = tempfile.mkdtemp()
    gunicorn = None
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "MAIL_OUTBOX_DIR": f"{folder}/outbox", "JOBS_IMMEDIATE": False}
        )
        with app.app_context():
            quiet_upgrade()
            orders = load_orders(count)
            db.session.remove()
        working = [signed(completed(*order)) for order in orders]
        ignoring = [signed(ignored(n)) for n in range(count)]
        gunicorn = serve(url, port, folder)
        wait_until_up(port)
        pid = worker_pid(gunicorn.pid)
        post_all(port, pid, [signed(ignored(-n)) for n in range(1, 51)], "ignored")  # warm up
        dialect = url.split(":", 1)[0].split("+")[0]
        print(f"{dialect:<10} jobs handed to {queue_url(folder).split(':', 1)[0]}; gunicorn worker pid {pid}")
        rate, cpu = post_all(port, pid, working, "paid")
        print(f"{dialect:<10} {count:>6,} checkout.session.completed: {rate:6.1f} events/s, {cpu:5.2f} ms CPU each")
        rate, cpu = post_all(port, pid, ignoring, "ignored")
        print(f"{dialect:<10} {count:>6,} ignored event type:          {rate:6.1f} events/s, {cpu:5.2f} ms CPU each")
        with app.app_context():
            paid = db.session.scalar(select(func.count()).where(Order.status == OrderStatus.PAID))
            job_ids = db.session.scalars(select(Job.id).order_by(Job.id)).all()
            assert paid == count, f"{paid} of {count} orders paid"
            assert len(job_ids) == count, f"{len(job_ids)} email jobs for {count} orders"
            db.session.remove()
            started = time.perf_counter()
            outcomes = [runner.run(job_id) for job_id in job_ids]
            elapsed = time.perf_counter() - started
            assert outcomes == ["done"] * count, "an email job did not run"
            emails = len(list(Path(folder, "outbox").glob("*.eml")))
            assert emails == count, f"{emails} emails written for {count} orders"
            print(f"{dialect:<10} {count:>6,} confirmation emails by the job worker: {count / elapsed:6.1f} jobs/s")
            db.session.remove()
            db.engine.dispose()
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        drop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=2000, help="events of each kind (default 2000)")
    parser.add_argument("--port", type=int, default=8765, help="where gunicorn listens (default 8765)")
    options = parser.parse_args()
    bench(options.events, os.environ.get("BENCH_DATABASE_URL"), options.port)
