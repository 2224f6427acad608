"""`flask newsletter …`."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services

newsletter_cli = AppGroup("newsletter", help="The newsletter.")


@newsletter_cli.command("announce")
def announce():
    """Email confirmed subscribers about each newly published post (the worker's schedule
    does this every five minutes; each post is announced once)."""
    posts = services.announce_new_posts()
    db.session.commit()
    for post in posts:
        click.echo(f"Announced: {post.slug}")
    click.echo(f"{len(posts)} post(s) announced")


@newsletter_cli.command("subscribers")
def subscribers():
    """Print the confirmed subscribers: email and when they confirmed."""
    count = 0
    for subscriber in db.session.scalars(services.confirmed_subscribers()):
        click.echo(f"{subscriber.email}\t{subscriber.confirmed_at:%Y-%m-%d %H:%M}")
        count += 1
    click.echo(f"{count} confirmed subscriber(s)", err=True)
