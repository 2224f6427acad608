"""Jobs: side effects recorded with the change, delivered by a real Huey worker (threads
in this process, on a SQLite queue file), retried with backoff, listed when they fail
for good and retried from the CLI. Nothing here waits for a person to act."""

import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import stripe
from aiosmtpd.controller import Controller
from huey import MemoryHuey
from sqlalchemy import func, select, update

from shop.db_types import utcnow
from shop.extensions import db
from shop.jobs import Job, JobStatus, UnknownJobKind, enqueue, queue, runner, tasks
from shop.jobs.models import IllegalJobMove
from shop.jobs.registry import NEW_JOBS
from shop.notifications import EMAIL_JOB, send_email
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.payments import stripe_jobs

from .commerce import items, place
from .stripe_support import SECRET_KEY, RecordedRequest, stripe_error
from .subscriptions.support import BillingHTTPClient
from .test_order_email import Inbox, free_port, pay_with_demo_card


def wait_until(condition, timeout: float = 20.0, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def queued(seeded, tmp_path):
    """The shop handing jobs to a Huey queue (as in production), retrying quickly."""
    seeded.config.update(
        JOBS_IMMEDIATE=False,
        JOBS_BROKER_URL=f"sqlite:///{tmp_path / 'queue.sqlite'}",
        JOBS_RETRY_DELAY=0.2,
        JOBS_RETRY_BACKOFF=2,
        JOBS_RETRY_MAX_DELAY=1,
        JOBS_MAX_ATTEMPTS=12,
    )
    return seeded


@contextmanager
def running_worker(app):
    """`flask jobs worker` without its signal handlers: the Huey consumer's scheduler (which
    puts retries due back on the queue) and one worker thread."""
    consumer = queue.get_huey(app).create_consumer(
        workers=1, worker_type="thread", periodic=False, scheduler_interval=1, check_worker_health=False
    )
    consumer.scheduler.start()
    for _, thread in consumer.worker_threads:
        thread.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)


def jobs_of(app, kind: str) -> list[tuple]:
    with app.app_context():
        return [
            (j.id, j.status, j.attempts, j.last_error)
            for j in db.session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id))
        ]


def outbox(app) -> list[Path]:
    folder = Path(app.config["MAIL_OUTBOX_DIR"])
    return sorted(folder.glob("*.eml")) if folder.exists() else []


def use_smtp(app, port: int) -> None:
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=2)


# -- the transaction decides -------------------------------------------------------------------


def test_a_job_recorded_in_a_transaction_that_rolls_back_leaves_nothing(seeded):
    with seeded.app_context():
        send_email("mi-rae@example.com", "Hello", "password_changed", user=None)
        assert db.session.scalar(select(func.count()).select_from(Job)) == 1  # in this transaction
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0
        assert NEW_JOBS not in db.session.info
        db.session.commit()  # a later commit hands nothing over
    assert outbox(seeded) == []


def test_a_job_runs_once_its_transaction_commits_and_a_repeat_does_nothing(seeded):
    with seeded.app_context():
        send_email("mi-rae@example.com", "Hello", "password_changed", user=None)
        assert outbox(seeded) == []  # not before the commit
        db.session.commit()
    [(job_id, status, attempts, error)] = jobs_of(seeded, EMAIL_JOB)
    assert (status, attempts, error) == (JobStatus.DONE, 1, None)
    assert len(outbox(seeded)) == 1
    with seeded.app_context():
        assert runner.run(job_id) == "skipped"
    assert len(outbox(seeded)) == 1


def test_a_job_moves_only_as_its_state_machine_allows(seeded):
    with seeded.app_context():
        job = enqueue(EMAIL_JOB, to="x@example.com", message="", subject="")
        with pytest.raises(IllegalJobMove):
            job.move_to(JobStatus.PENDING)  # pending -> pending is no move
        job.move_to(JobStatus.FAILED)
        job.move_to(JobStatus.PENDING)  # `flask jobs retry`
        job.move_to(JobStatus.DONE)
        assert job.done_at is not None
        with pytest.raises(IllegalJobMove):
            job.move_to(JobStatus.PENDING)  # a done job is final
        db.session.rollback()


def test_an_unknown_job_kind_is_refused_where_it_is_recorded(seeded):
    with seeded.app_context(), pytest.raises(UnknownJobKind):
        enqueue("email.sned", to="x@example.com")


# -- the worker: the mail server down, then up -------------------------------------------------


@pytest.mark.real_commits  # a worker thread reads what the test committed
def test_an_order_paid_while_the_mail_server_is_down_is_confirmed_when_it_is_back(queued):
    port = free_port()
    use_smtp(queued, port)
    with running_worker(queued):
        with queued.app_context():
            order = place(items(MAG_001=1), "GB", email="faye@example.com")
            assert pay_with_demo_card(order, "4242 4242 4242 4242")
            number = order.number
        # The payment is committed at once; the email waits for the mail server.
        with queued.app_context():
            assert orders.order_by_number(number).status is OrderStatus.PAID
        wait_until(lambda: any(a >= 2 for _, _, a, _ in jobs_of(queued, EMAIL_JOB)), what="two failed attempts")
        [(_, status, _, error)] = jobs_of(queued, EMAIL_JOB)
        assert status is JobStatus.PENDING and "ConnectionRefusedError" in error
        assert len(outbox(queued)) == 1  # a copy is kept while it cannot be sent

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()  # the mail server comes back; nobody touches the shop
        try:
            wait_until(lambda: inbox.messages, what="the confirmation email")
            wait_until(lambda: jobs_of(queued, EMAIL_JOB)[0][1] is JobStatus.DONE, what="the job to be done")
        finally:
            controller.stop()
    [envelope] = inbox.messages
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert envelope.rcpt_tos == ["faye@example.com"] and message["Subject"] == f"Your Inspire Me Korea order {number}"
    assert outbox(queued) == []  # delivered: the copy is gone


# -- the worker: Stripe failing, then answering ------------------------------------------------


class FlakyStripe(BillingHTTPClient):
    """Stripe answering 500, then not answering at all, then working."""

    def __init__(self, failures: int):
        super().__init__()
        self.failures = failures
        for route in [
            ("DELETE", r"/v1/subscriptions/(?P<id>[^/]+)"),
            ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire"),
        ]:
            self.routes[route] = self._flaky(self.routes[route])

    def _flaky(self, works):
        def respond(req: RecordedRequest):
            if self.failures > 0:
                self.failures -= 1
                if self.failures % 2:
                    raise stripe.APIConnectionError("Stripe did not answer in time")
                return stripe_error(500, "api_error", "Something went wrong on Stripe's end.")(req)
            return works(req)

        return respond


@pytest.mark.real_commits  # a worker thread reads what the test committed
@pytest.mark.parametrize(
    "kind, record, path",
    [
        (
            stripe_jobs.CANCEL_SUBSCRIPTION,
            lambda: stripe_jobs.cancel_subscription_later("sub_test_gone"),
            ("DELETE", "/v1/subscriptions/sub_test_gone"),
        ),
        (
            stripe_jobs.EXPIRE_CHECKOUT,
            lambda: stripe_jobs.expire_checkout_later("cs_test_abandoned"),
            ("POST", "/v1/checkout/sessions/cs_test_abandoned/expire"),
        ),
    ],
)
def test_a_stripe_call_that_fails_is_retried_until_it_succeeds(queued, kind, record, path):
    http = FlakyStripe(failures=3)
    queued.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_HTTP_CLIENT=http, STRIPE_MAX_RETRIES=0)
    with running_worker(queued):
        with queued.app_context():
            record()
            db.session.commit()
        wait_until(lambda: jobs_of(queued, kind)[0][1] is JobStatus.DONE, what="the Stripe job to be done")
    [(_, _, attempts, error)] = jobs_of(queued, kind)
    assert attempts == 4 and "APIError" in error  # three failures, then the call went through
    assert [(r.method, r.path) for r in http.requests] == [path] * 4
    if kind == stripe_jobs.EXPIRE_CHECKOUT:  # a fresh key per attempt: Stripe replays a key's first answer, 500s too
        assert len({r.idempotency_key for r in http.requests}) == 4


# -- failed for good, listed, retried ----------------------------------------------------------


@pytest.mark.real_commits  # a worker thread reads what the test committed
def test_a_job_that_always_fails_is_listed_and_runs_again_when_retried(queued):
    queued.config["JOBS_MAX_ATTEMPTS"] = 3
    port = free_port()
    use_smtp(queued, port)
    cli = queued.test_cli_runner()
    with running_worker(queued):
        with queued.app_context():
            send_email("ha-eun@example.com", "Your password was changed", "password_changed", user=None)
            db.session.commit()
        wait_until(lambda: jobs_of(queued, EMAIL_JOB)[0][1] is JobStatus.FAILED, what="the job to fail")
        [(job_id, _, attempts, _)] = jobs_of(queued, EMAIL_JOB)
        assert attempts == 3

        listed = cli.invoke(args=["jobs", "failed"])
        assert listed.exit_code == 0, listed.output
        [line, total] = listed.output.splitlines()
        assert line.split()[:4] == [str(job_id), EMAIL_JOB, "3", "attempts"] and "ConnectionRefusedError" in line
        assert total == "1 failed job(s)"

        unknown = cli.invoke(args=["jobs", "retry", "99999"])
        assert unknown.exit_code == 1 and "There is no job 99999." in unknown.output
        assert cli.invoke(args=["jobs", "retry"]).exit_code == 2  # neither an id nor --all

        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()  # the cause is fixed
        try:
            retried = cli.invoke(args=["jobs", "retry", str(job_id)])
            assert retried.exit_code == 0, retried.output
            assert retried.output.splitlines() == [f"queued {job_id} ({EMAIL_JOB})", "1 job(s) queued again"]
            wait_until(lambda: inbox.messages, what="the retried email")
        finally:
            controller.stop()
    assert jobs_of(queued, EMAIL_JOB)[0][1:3] == (JobStatus.DONE, 1)
    assert cli.invoke(args=["jobs", "failed"]).output.splitlines() == ["0 failed job(s)"]
    done = cli.invoke(args=["jobs", "retry", str(job_id)])
    assert done.exit_code == 1 and "is already done" in done.output


def test_retry_all_runs_every_failed_job(seeded):
    seeded.config.update(JOBS_MAX_ATTEMPTS=1, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    with seeded.app_context():
        for to in ("a@example.com", "b@example.com"):
            send_email(to, "Hello", "password_changed", user=None)
        db.session.commit()  # each runs once here (tests run jobs in-process) and fails for good
    assert [j[1] for j in jobs_of(seeded, EMAIL_JOB)] == [JobStatus.FAILED, JobStatus.FAILED]
    seeded.config["MAIL_SERVER"] = ""  # the outbox folder delivers
    result = seeded.test_cli_runner().invoke(args=["jobs", "retry", "--all"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "2 job(s) queued again"
    assert [j[1] for j in jobs_of(seeded, EMAIL_JOB)] == [JobStatus.DONE, JobStatus.DONE]
    assert sorted(message_from_bytes(p.read_bytes())["To"] for p in outbox(seeded)) == [
        "a@example.com",
        "b@example.com",
    ]


# -- a hand-off that never happened -------------------------------------------------------------


@pytest.mark.real_commits  # a worker thread reads what the test committed
def test_a_job_the_queue_never_got_is_handed_over_again(queued, monkeypatch):
    def queue_down(app, job_ids):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(queue, "send", queue_down)
    with queued.app_context():
        send_email("jae@example.com", "Hello", "password_changed", user=None)
        db.session.commit()  # committed; the hand-off fails and is only logged
    [(job_id, status, attempts, _)] = jobs_of(queued, EMAIL_JOB)
    assert (status, attempts) == (JobStatus.PENDING, 0)
    monkeypatch.undo()
    with queued.app_context():
        assert runner.redispatch_overdue() == []  # not overdue yet
    with running_worker(queued):
        with queued.app_context():
            assert runner.redispatch_overdue(now=utcnow() + timedelta(minutes=10)) == [job_id]
            db.session.commit()  # as the schedule does: handed over once committed
        wait_until(lambda: jobs_of(queued, EMAIL_JOB)[0][1] is JobStatus.DONE, what="the lost job to run")
    assert len(outbox(queued)) == 1


# -- the queue and the schedule -----------------------------------------------------------------


def test_the_queue_storage_comes_from_jobs_broker_url(app, tmp_path):
    from huey import RedisHuey, SqliteHuey

    app.config["JOBS_BROKER_URL"] = ""
    default = queue.make_huey(app)
    assert isinstance(default, SqliteHuey) and default.storage.filename == str(
        Path(app.instance_path) / "jobs-queue.sqlite"
    )
    app.config["JOBS_BROKER_URL"] = "redis://127.0.0.1:6379/3"
    on_redis = queue.make_huey(app)
    assert isinstance(on_redis, RedisHuey)
    assert on_redis.storage.pool.connection_kwargs["db"] == 3
    assert on_redis.storage.pool.connection_kwargs["socket_connect_timeout"] == 2
    app.config["JOBS_BROKER_URL"] = "amqp://rabbit"
    with pytest.raises(Exception, match="JOBS_BROKER_URL must be"):
        queue.make_huey(app)


def test_the_schedule_registers_its_periodic_tasks(app):
    huey = MemoryHuey("schedule-test")
    tasks.register(huey, app)
    registered = list(huey._registry._registry)
    for name in ("redispatch_lost_jobs", "expire_stale_orders", "take_demo_renewals", "prune_done_jobs"):
        assert [key for key in registered if key.endswith(name)], (name, registered)


def test_the_scheduled_expiry_expires_old_unpaid_orders(seeded):
    with seeded.app_context():
        old, fresh = place(items(MASK_MIX_30=1)), place(items(MASK_MIX_30=1))
        long_ago = datetime.now(UTC) - timedelta(hours=3)
        db.session.execute(update(Order).where(Order.id == old.id).values(created_at=long_ago))
        db.session.commit()
        old, fresh = old.number, fresh.number
        assert tasks.expire_stale_orders() == [old]
        db.session.expire_all()
        assert orders.order_by_number(old).status is OrderStatus.EXPIRED
        assert orders.order_by_number(fresh).status is OrderStatus.PENDING_PAYMENT


def test_scheduled_demo_renewals_run_only_with_the_demo_gateway(seeded):
    with seeded.app_context():
        assert tasks.take_demo_renewals() is not None
        seeded.config["STRIPE_SECRET_KEY"] = SECRET_KEY
        assert tasks.take_demo_renewals() is None  # Stripe takes renewals itself


def test_done_jobs_are_pruned_after_a_while_failed_ones_are_kept(seeded):
    seeded.config.update(JOBS_MAX_ATTEMPTS=1, MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_USE_TLS=False)
    with seeded.app_context():
        send_email("a@example.com", "Hello", "password_changed", user=None)
        db.session.commit()  # fails for good
        seeded.config["MAIL_SERVER"] = ""
        send_email("b@example.com", "Hello", "password_changed", user=None)
        db.session.commit()  # done
        assert runner.prune_done() == 0  # done today: kept
        assert runner.prune_done(now=utcnow() + timedelta(days=31)) == 1
        db.session.commit()
    assert [status for _, status, _, _ in jobs_of(seeded, EMAIL_JOB)] == [JobStatus.FAILED]
