"""`flask jobs ...`: the worker, the scheduler, and the failed jobs."""

import logging

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import queue, runner, tasks

jobs_cli = AppGroup("jobs", help="The job worker and its failed jobs.")


@jobs_cli.command("worker")
@click.option(
    "--threads", type=click.IntRange(min=1), default=2, show_default=True, help="How many jobs run at the same time."
)
@click.option(
    "--schedule/--no-schedule",
    default=True,
    show_default=True,
    help="Also run the schedule (for one process only: in production, `flask jobs scheduler` does).",
)
def worker_command(threads: int, schedule: bool):
    """Run jobs as they are queued, retry failed attempts, and run the schedule (the Huey consumer)."""
    _consume(threads=threads, schedule=schedule)


@jobs_cli.command("scheduler")
def scheduler_command():
    """Run the schedule (and jobs, one at a time): exactly one such process per shop."""
    _consume(threads=1, schedule=True)


def _consume(threads: int, schedule: bool) -> None:
    app = current_app._get_current_object()
    huey = queue.get_huey(app)
    # Every consumer knows the scheduled tasks, whichever process put them in the queue.
    tasks.register(huey, app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    huey.create_consumer(workers=threads, worker_type="thread", periodic=schedule).run()


@jobs_cli.command("failed")
def failed_command():
    """List the jobs that ran out of attempts: id, kind, attempts, last error."""
    jobs = runner.failed_jobs()
    for job in jobs:
        error = " ".join((job.last_error or "").split())
        click.echo(f"{job.id:>6}  {job.kind:<28} {job.attempts:>3} attempts  {error[:200]}")
    click.echo(f"{len(jobs)} failed job(s)")


@jobs_cli.command("retry")
@click.argument("job_ids", metavar="[ID]...", nargs=-1, type=int)
@click.option("--all", "retry_all", is_flag=True, help="Retry every failed job.")
def retry_command(job_ids: tuple[int, ...], retry_all: bool):
    """Run failed jobs again, with a fresh set of attempts."""
    if bool(job_ids) == retry_all:
        raise click.UsageError("Give the id of a job to retry, or --all.")
    ids = [job.id for job in runner.failed_jobs()] if retry_all else list(job_ids)
    try:
        jobs = runner.retry(ids)
    except runner.JobNotRetriable as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    for job in jobs:
        click.echo(f"queued {job.id} ({job.kind})")
    click.echo(f"{len(jobs)} job(s) queued again")
