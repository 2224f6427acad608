"""`flask shop ...`: operations on the shop as a whole."""

import click
from flask import current_app
from flask.cli import AppGroup

from . import seed

shop_cli = AppGroup("shop", help="Shop-wide operations.")


@shop_cli.command("seed")
def seed_command():
    """Load the demo content from content/ (idempotent: adds only what is missing)."""
    report = seed.load_all(current_app.config["SHOP_CONTENT_DIR"])
    for table, created in report.items():
        click.echo(f"{table:<14} {created} added")
