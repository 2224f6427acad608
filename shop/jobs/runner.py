"""Running one job, finding the jobs the queue lost, retrying and pruning.

A run locks the job's row (on PostgreSQL; two workers handed the same job run it one
after the other, and the second finds it done), calls its handler and records the outcome
in one commit. A failure counts an attempt and raises RetryLater with the backoff delay,
until JOBS_MAX_ATTEMPTS: then the job is `failed` and waits for `flask jobs retry`.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..db_types import utcnow
from ..extensions import db
from .models import Job, JobStatus
from .registry import HANDLERS, remember_for_dispatch

log = logging.getLogger(__name__)

ERROR_LENGTH = 2000


class RetryLater(Exception):
    """The job failed and has attempts left: run it again in `delay` seconds."""

    def __init__(self, job_id: int, delay: float, error: str):
        super().__init__(f"job {job_id} failed ({error}); retrying in {delay:g} s")
        self.job_id = job_id
        self.delay = delay


class JobNotRetriable(LookupError):
    """`flask jobs retry` was given an id that is not a failed or pending job."""


def retry_delay(config, attempts: int) -> float:
    """Exponential backoff: JOBS_RETRY_DELAY after the first failure, times
    JOBS_RETRY_BACKOFF after each further one, at most JOBS_RETRY_MAX_DELAY."""
    delay = config["JOBS_RETRY_DELAY"] * config["JOBS_RETRY_BACKOFF"] ** max(attempts - 1, 0)
    return min(delay, config["JOBS_RETRY_MAX_DELAY"])


def _locked(job_id: int) -> Job | None:
    return db.session.scalar(select(Job).where(Job.id == job_id).with_for_update())


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_LENGTH]


def run(job_id: int) -> str:
    """Run one pending job and commit its outcome: "done", "failed" (out of attempts) or
    "skipped" (no such job, or not pending: a repeat does nothing). Raises RetryLater."""
    job = _locked(job_id)
    if job is None or job.status is not JobStatus.PENDING:
        db.session.rollback()
        return "skipped"
    try:
        handler = HANDLERS.get(job.kind)
        if handler is None:
            raise LookupError(f"no handler is registered for job kind {job.kind!r}")
        handler(**job.payload)
    except Exception as error:  # whatever a handler raises is an attempt that failed
        db.session.rollback()
        return _record_failure(job_id, error)
    job.attempts += 1
    job.move_to(JobStatus.DONE)
    db.session.commit()
    log.info("Job %s (%s) done", job_id, job.kind)
    return "done"


def _record_failure(job_id: int, error: Exception) -> str:
    job = _locked(job_id)
    if job is None or job.status is not JobStatus.PENDING:  # a twin run finished it meanwhile
        db.session.rollback()
        return "skipped"
    job.attempts += 1
    job.last_error = _describe(error)
    config = current_app.config
    if job.attempts >= config["JOBS_MAX_ATTEMPTS"]:
        job.move_to(JobStatus.FAILED)
        db.session.commit()
        log.error("Job %s (%s) failed after %s attempts: %s", job_id, job.kind, job.attempts, job.last_error)
        return "failed"
    delay = retry_delay(config, job.attempts)
    job.next_attempt_at = utcnow() + timedelta(seconds=delay)
    kind, attempts, message = job.kind, job.attempts, job.last_error
    db.session.commit()
    log.warning("Job %s (%s) attempt %s failed, retrying in %g s: %s", job_id, kind, attempts, delay, message)
    raise RetryLater(job_id, delay, message)


# -- lost jobs and retries -------------------------------------------------------------------


def redispatch_overdue(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Hand over again the pending jobs that should have run JOBS_REDISPATCH_AFTER seconds
    ago (the process died between commit and hand-off, or the queue lost them). They are
    handed over when the caller commits."""
    now = now or utcnow()
    overdue_before = now - timedelta(seconds=current_app.config["JOBS_REDISPATCH_AFTER"])
    jobs = db.session.scalars(
        select(Job)
        .where(Job.status == JobStatus.PENDING, Job.next_attempt_at <= overdue_before)
        .order_by(Job.id)
        .limit(limit)
    ).all()
    for job in jobs:
        job.next_attempt_at = now  # not again before another JOBS_REDISPATCH_AFTER
        remember_for_dispatch(job)
    ids = [job.id for job in jobs]
    db.session.flush()
    if ids:
        log.warning("Handed %s overdue job(s) to the queue again: %s", len(ids), ids)
    return ids


def prune_done(now: datetime | None = None) -> int:
    """Delete the jobs done more than JOBS_KEEP_DONE_DAYS ago (an email job holds the whole
    message). Failed and pending jobs are kept. Returns how many went."""
    before = (now or utcnow()) - timedelta(days=current_app.config["JOBS_KEEP_DONE_DAYS"])
    return db.session.execute(delete(Job).where(Job.status == JobStatus.DONE, Job.done_at < before)).rowcount


def failed_jobs() -> list[Job]:
    return list(db.session.scalars(select(Job).where(Job.status == JobStatus.FAILED).order_by(Job.id)))


def retry(job_ids: Iterable[int]) -> list[Job]:
    """Give failed (or pending) jobs a fresh set of attempts; they run once the caller
    commits. Raises JobNotRetriable, changing nothing, if an id is unknown or already done."""
    jobs = []
    for job_id in job_ids:
        job = db.session.get(Job, job_id)
        if job is None:
            raise JobNotRetriable(f"There is no job {job_id}.")
        if job.status is JobStatus.DONE:
            raise JobNotRetriable(f"Job {job_id} ({job.kind}) is already done.")
        jobs.append(job)
    for job in jobs:
        if job.status is JobStatus.FAILED:
            job.move_to(JobStatus.PENDING)
        job.attempts = 0
        job.next_attempt_at = utcnow()
        remember_for_dispatch(job)
    db.session.flush()
    return jobs
