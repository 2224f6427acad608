"""The queue between the shop and its workers: Huey, on the storage JOBS_BROKER_URL names.

The shop's job table is the record of what must happen; the queue only says "run job N
now" (or, for a retry, at a later time). A message the queue loses costs a delay, not
the job: redispatch_overdue hands it over again.
"""

from pathlib import Path

import redis
from flask import Flask
from huey import Huey, PostgresHuey, RedisHuey, RetryTask, SqliteHuey

from ..config import ConfigError
from . import runner

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
