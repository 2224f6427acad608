"""`flask comments …`: the moderation queue from the command line."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .models import CommentStatus

comments_cli = AppGroup("comments", help="Moderate blog comments.")


@comments_cli.command("queue")
@click.option("--status", type=click.Choice([s.value for s in CommentStatus]), default="pending", show_default=True)
def queue(status: str):
    """List comments in one state, oldest first."""
    found = services.queue(CommentStatus(status))
    for comment in found:
        reply = f" (reply to #{comment.parent_id})" if comment.parent_id else ""
        click.echo(f"#{comment.id} {comment.created_at:%Y-%m-%d %H:%M} on {comment.post.slug}{reply}")
        click.echo(f"  {comment.author_name} <{comment.author_email}>: {comment.body[:200]}")
    click.echo(f"{len(found)} {status} comment(s)")


def _move(ids: tuple[int, ...], to: CommentStatus | None) -> None:
    for comment_id in ids:
        comment = services.by_id(comment_id)
        if comment is None:
            raise click.ClickException(f"No comment #{comment_id}.")
        try:
            services.delete(comment) if to is None else services.transition(comment, to)
        except services.CommentError as error:
            raise click.ClickException(f"#{comment_id}: {error}") from error
    db.session.commit()
    click.echo(f"{'Deleted' if to is None else to.label}: {', '.join(f'#{i}' for i in ids)}")


@comments_cli.command("approve")
@click.argument("ids", type=int, nargs=-1, required=True)
def approve(ids):
    """Approve comments (a reply's parent author is emailed, if they asked)."""
    _move(ids, CommentStatus.APPROVED)


@comments_cli.command("spam")
@click.argument("ids", type=int, nargs=-1, required=True)
def spam(ids):
    """Mark comments as spam (hidden)."""
    _move(ids, CommentStatus.SPAM)


@comments_cli.command("delete")
@click.argument("ids", type=int, nargs=-1, required=True)
def delete(ids):
    """Delete comments for good, with their replies."""
    _move(ids, None)
