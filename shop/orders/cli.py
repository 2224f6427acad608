"""`flask orders ...`: operations on orders."""

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from . import services

orders_cli = AppGroup("orders", help="Order operations.")


@orders_cli.command("expire-stale")
@click.option(
    "--older-than-minutes",
    type=click.IntRange(min=1),
    help="Expire orders still waiting for payment after this many minutes "
    "(default: ORDERS_EXPIRE_AFTER_MINUTES, else 1500 with Stripe and 90 with the demo gateway).",
)
def expire_stale_command(older_than_minutes: int | None):
    """Expire abandoned unpaid orders and give their stock back (the worker's schedule does
    this every 10 minutes; safe to run by hand too)."""
    numbers = services.expire_stale(older_than_minutes or services.expire_after_minutes(current_app.config))
    db.session.commit()
    for number in numbers:
        click.echo(f"expired {number}")
    click.echo(f"{len(numbers)} order(s) expired")
