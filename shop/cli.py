"""`flask shop ...`: operations on the shop as a whole."""

import click
from flask import current_app
from flask.cli import AppGroup

from . import seed
from .accounts import services as accounts
from .admin import second_factor
from .extensions import db

shop_cli = AppGroup("shop", help="Shop-wide operations.")


@shop_cli.command("seed")
def seed_command():
    """Load the demo content from content/ (idempotent: adds only what is missing)."""
    report = seed.load_all(current_app.config["SHOP_CONTENT_DIR"])
    for table, created in report.items():
        click.echo(f"{table:<14} {created} added")


@shop_cli.command("create-admin")
@click.argument("email")
@click.option("--reset-password", is_flag=True, help="Set a new password on an existing account.")
@click.option("--reset-second-factor", is_flag=True, help="Forget the admin's authenticator app: they set it up again.")
def create_admin_command(email: str, reset_password: bool, reset_second_factor: bool):
    """Make EMAIL an admin: creates the account (asking for its password twice) or promotes
    an existing one. The admin sets up their authenticator app at their first sign-in."""
    try:
        existing = accounts.user_by_email(accounts.check_email(email))
    except accounts.AccountError as exc:
        raise click.ClickException(exc.message) from None
    password = None
    if existing is None or reset_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    try:
        user, created = accounts.make_admin(email, password)
    except accounts.AccountError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    if reset_second_factor:
        second_factor.reset(user)
    db.session.commit()
    if created:
        click.echo(f"Created the admin account {user.email}.")
    else:
        click.echo(f"{user.email} is an admin" + (" with a new password." if password else "."))
    if reset_second_factor:
        click.echo("Their authenticator app is forgotten: they set it up again at their next sign-in.")
    click.echo("Sign in on /account/sign-in, then open /admin to set up or use the second factor.")
