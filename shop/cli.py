"""`flask shop ...`: operations on the shop as a whole."""

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import seed

shop_cli = AppGroup("shop", help="Shop-wide operations.")


@shop_cli.command("seed")
def seed_command():
    """Load the demo content from content/ (idempotent: adds only what is missing)."""
    report = seed.load_all(current_app.config["SHOP_CONTENT_DIR"])
    for table, created in report.items():
        click.echo(f"{table:<14} {created} added")


def init_app(app: Flask) -> None:
    from .jobs.cli import jobs_cli  # the worker runs the schedule, which calls into the areas

    app.cli.add_command(shop_cli)
    app.cli.add_command(jobs_cli)
