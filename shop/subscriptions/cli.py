"""`flask box ...`: running the Culture Box."""

import sys
from datetime import UTC
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..payments import demo
from . import box_run, demo_sales, reminders

box_cli = AppGroup("box", help="Run the Culture Box: editions, the monthly box run, packing lists.")


def _edition(code: str):
    try:
        edition = box_run.edition_by_code(code)
    except box_run.BoxRunError as error:
        raise click.BadParameter(str(error), param_hint="EDITION") from None
    if edition is None:
        raise click.ClickException(f"There is no {code} edition yet: create it first.")
    return edition


@box_cli.command("run")
@click.argument("edition_code", metavar="EDITION")
@click.option("--by", "run_by", default="cli", show_default=True, help="Who is running it (recorded).")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the packing list (default: instance/packing-lists/EDITION.csv).",
)
def run_command(edition_code: str, run_by: str, csv_path: Path | None):
    """Create one shipment for every subscription entitled to EDITION (YYYY-MM). Safe to repeat.
    Refused before the edition's cutoff."""
    edition = _edition(edition_code)
    try:
        result = box_run.run(edition, run_by=run_by)
    except box_run.BoxRunError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    csv_path = csv_path or Path(current_app.instance_path) / "packing-lists" / f"{edition.code}.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="", encoding="utf-8") as out:
        rows = box_run.write_packing_list(edition, out)
    click.echo(f"{edition.code} ({edition.theme}): {result.created} new shipments, {result.total} in all.")
    if result.ended:
        click.echo(f"{result.ended} subscriptions had their last paid box and have ended.")
    click.echo(f"Packing list: {csv_path} ({rows} parcels)")


@box_cli.command("packing-list")
@click.argument("edition_code", metavar="EDITION")
def packing_list_command(edition_code: str):
    """Print the packing list CSV of EDITION to standard output."""
    box_run.write_packing_list(_edition(edition_code), sys.stdout)


@box_cli.command("demo-renew")
@click.option(
    "--date",
    "on",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Take the renewals due by the end of this day (YYYY-MM-DD).",
)
def demo_renew_command(on):
    """Demo gateway only: take the Culture Box renewals Stripe would have taken by DATE.

    Subscribers who paid with 4000 0000 0000 0341 are declined and go into arrears (and get
    the arrears email). Safe to repeat: each renewal is taken once."""
    if not demo.demo_allowed(current_app.config):
        raise click.ClickException("demo-renew is for the demo gateway: with Stripe configured, Stripe takes renewals.")
    report = demo_sales.renew_due(on.date())
    db.session.commit()
    for line in report.paid:
        click.echo(f"paid      {line}")
    for line in report.failed:
        click.echo(f"declined  {line}")
    click.echo(f"{on:%Y-%m-%d}: {len(report.paid)} renewals paid, {len(report.failed)} declined.")


@box_cli.command("remind")
@click.option(
    "--date",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Send the reminders as on this day, at 10:00 UTC (default: now).",
)
def remind_command(on):
    """Email the renewal reminders due (as the worker does daily): BOX_REMINDER_DAYS before a
    prepaid renewal, or a monthly one whose price changed. Each is sent once."""
    now = on.replace(hour=10, tzinfo=UTC) if on else None
    sent = reminders.send_due(now, days=current_app.config["BOX_REMINDER_DAYS"])
    db.session.commit()
    click.echo(f"{len(sent)} renewal reminder{'s' if len(sent) != 1 else ''} sent.")
