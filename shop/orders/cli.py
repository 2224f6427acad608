"""`flask orders ...`: operations on orders."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services

orders_cli = AppGroup("orders", help="Order operations.")


@orders_cli.command("expire-stale")
@click.option(
    "--older-than-minutes",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Expire orders still waiting for payment after this many minutes.",
)
def expire_stale_command(older_than_minutes: int):
    """Expire abandoned unpaid orders and give their stock back (safe to run from cron)."""
    numbers = services.expire_stale(older_than_minutes)
    db.session.commit()
    for number in numbers:
        click.echo(f"expired {number}")
    click.echo(f"{len(numbers)} order(s) expired")
