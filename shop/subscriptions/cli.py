"""`flask box ...`: running the Culture Box."""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from . import box_run

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
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the packing list (default: instance/packing-lists/EDITION.csv).")
def run_command(edition_code: str, run_by: str, csv_path: Path | None):
    """Create one shipment for every subscription entitled to EDITION (YYYY-MM). Safe to repeat."""
    edition = _edition(edition_code)
    result = box_run.run(edition, run_by=run_by)
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
