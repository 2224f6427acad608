"""comments, newsletter subscribers, back-in-stock requests; post.announced_at (the posts
already published count as announced: the newsletter is for what comes next)

Revision ID: 76cb9f42bbdc
Revises: ae656f8fa454
Create Date: 2026-11-30 07:01:11.678930

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "76cb9f42bbdc"
down_revision = "ae656f8fa454"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "newsletter_subscriber",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "unsubscribed",
                name="subscriberstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("confirm_token", sa.String(length=64), nullable=True),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirm_sent_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_newsletter_subscriber")),
        sa.UniqueConstraint("confirm_token", name=op.f("uq_newsletter_subscriber_confirm_token")),
        sa.UniqueConstraint("email", name=op.f("uq_newsletter_subscriber_email")),
        sa.UniqueConstraint("unsubscribe_token", name=op.f("uq_newsletter_subscriber_unsubscribe_token")),
    )
    with op.batch_alter_table("newsletter_subscriber", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_newsletter_subscriber_status"), ["status"], unique=False)

    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=80), nullable=False),
        sa.Column("author_email", sa.String(length=254), nullable=False),
        sa.Column("author_website", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "spam",
                name="commentstatus",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notify_replies", sa.Boolean(), nullable=False),
        sa.Column("unsubscribe_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("reply_notified_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["comment.id"], name=op.f("fk_comment_parent_id_comment"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_comment_post_id_post"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
        sa.UniqueConstraint("unsubscribe_token", name=op.f("uq_comment_unsubscribe_token")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_author_email"), ["author_email"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_status"), ["status"], unique=False)

    op.create_table(
        "stock_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["variant_id"], ["variant.id"], name=op.f("fk_stock_alert_variant_id_variant"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_alert")),
        sa.UniqueConstraint("variant_id", "email", name=op.f("uq_stock_alert_variant_id")),
    )
    with op.batch_alter_table("stock_alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_alert_variant_id"), ["variant_id"], unique=False)

    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announced_at", sa.DateTime(), nullable=True))
    post = sa.table("post", sa.column("announced_at", sa.DateTime), sa.column("published_at", sa.DateTime))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.execute(
        post.update().where(post.c.published_at.is_not(None), post.c.published_at <= now).values(announced_at=now)
    )


def downgrade():
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("announced_at")

    with op.batch_alter_table("stock_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_alert_variant_id"))

    op.drop_table("stock_alert")
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_status"))
        batch_op.drop_index(batch_op.f("ix_comment_post_id"))
        batch_op.drop_index(batch_op.f("ix_comment_parent_id"))
        batch_op.drop_index(batch_op.f("ix_comment_created_at"))
        batch_op.drop_index(batch_op.f("ix_comment_author_email"))

    op.drop_table("comment")
    with op.batch_alter_table("newsletter_subscriber", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_newsletter_subscriber_status"))

    op.drop_table("newsletter_subscriber")
