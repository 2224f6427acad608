"""Handing committed jobs to the workers: an `after_commit` hook on every session gives
the jobs a transaction recorded to Huey, on the storage JOBS_BROKER_URL names (or, with
JOBS_IMMEDIATE, runs them here and now).

The shop's job table is the record of what must happen; the queue only says "run job N
now" (or, for a retry, at a later time). A message the queue loses costs a delay, not
the job: redispatch_overdue hands it over again.
"""

import logging
from collections.abc import Iterable
from pathlib import Path

import redis
from flask import Flask
from huey import Huey, PostgresHuey, RedisHuey, RetryTask, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..config import ConfigError
from . import runner
from .registry import APP, NEW_JOBS

log = logging.getLogger(__name__)

QUEUE_NAME = "shop-jobs"
RUN_TASK = "run_job"
EXTENSION = "jobs.queue"


def make_huey(app: Flask) -> Huey:
    """redis:// or rediss:// → Redis; postgresql:// → PostgreSQL; sqlite:///PATH, or
    nothing, → a SQLite file (instance/jobs-queue.sqlite: no extra service needed)."""
    url = app.config.get("JOBS_BROKER_URL") or ""
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Bounded waits: handing a job over happens in the request, which must not hang on
        # a Redis that is down (the job is handed over again later). Above the worker's
        # 1 s blocking read.
        pool = redis.ConnectionPool.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        return RedisHuey(QUEUE_NAME, connection_pool=pool, results=False)
    if url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        dsn = "postgresql://" + url.split("://", 1)[1]  # libpq's spelling, without the SQLAlchemy driver
        return PostgresHuey(QUEUE_NAME, dsn=dsn, results=False)
    if url.startswith("sqlite:///") or not url:
        path = url.removeprefix("sqlite:///") or str(Path(app.instance_path) / "jobs-queue.sqlite")
        return SqliteHuey(QUEUE_NAME, filename=path, results=False)
    raise ConfigError(f"JOBS_BROKER_URL must be redis://, postgresql:// or sqlite:///, not {url.split(':')[0]}")


def _run_task(app: Flask):
    def run_job(job_id: int) -> None:
        with app.app_context():
            try:
                runner.run(job_id)
            except runner.RetryLater as later:
                raise RetryTask(delay=later.delay) from None

    return run_job


def get_huey(app: Flask) -> Huey:
    """The app's Huey instance, with the task that runs a job (made on first use)."""
    if EXTENSION not in app.extensions:
        huey = make_huey(app)
        task = huey.task(name=RUN_TASK)(_run_task(app))
        app.extensions[EXTENSION] = (huey, task)
    return app.extensions[EXTENSION][0]


def send(app: Flask, job_ids: list[int]) -> None:
    get_huey(app)
    task = app.extensions[EXTENSION][1]
    for job_id in job_ids:
        task(job_id)


# -- handing jobs over after the commit -------------------------------------------------------


def dispatch(app: Flask, job_ids: Iterable[int]) -> None:
    """Give committed jobs to the queue, or run them here and now with JOBS_IMMEDIATE.
    Never raises: a job that does not get through is found again by redispatch_overdue."""
    job_ids = list(job_ids)
    if app.config["JOBS_IMMEDIATE"]:
        for job_id in job_ids:
            run_here(app, job_id)
        return
    try:
        send(app, job_ids)
    except Exception:
        log.exception("Could not hand jobs %s to the queue; they will be handed over again", job_ids)


def run_here(app: Flask, job_id: int) -> str:
    """Run a job in this process, in its own app context (so its own session)."""
    with app.app_context():
        try:
            return runner.run(job_id)
        except runner.RetryLater:
            return "retrying"
        except Exception:
            log.exception("Job %s could not be run", job_id)
            return "error"


def _after_commit(session) -> None:
    job_ids = session.info.pop(NEW_JOBS, None)
    app = session.info.get(APP)
    if job_ids and app is not None:
        dispatch(app, job_ids)


def _after_soft_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(NEW_JOBS, None)


_hooks_installed = False


def install_session_hooks() -> None:
    """On every SQLAlchemy session (whatever session class db.session is configured with);
    only a session that recorded jobs has any in its info."""
    global _hooks_installed
    if not _hooks_installed:
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_soft_rollback)
        _hooks_installed = True


def pending(app: Flask) -> int:
    """How many messages wait in the queue; raises if the queue's storage cannot be reached."""
    return get_huey(app).pending_count()
