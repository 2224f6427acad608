"""post: an SEO title; the film article's typos fixed and its shop links added; product: updated_at

Revision ID: ae656f8fa454
Revises: 5776360cf272
Create Date: 2026-11-30 06:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "ae656f8fa454"
down_revision = "5776360cf272"
branch_labels = None
depends_on = None

FILM = "top-5-korean-movies-that-make-you-cry"
SEO_TITLE = "Top 5 Sad Films That Are Guaranteed To Make You Cry"
# The source's evident typos (docs/blog.md lists them). Each is replaced only where the
# text still has it, so an owner's own edits are left alone.
FIXES = [
    ("(Joong Woo-sung)", "(Jung Woo-sung)"),
    ("distinct cord", "distinct chord"),
    ("back to to a", "back to a"),
    ("If Song-Joong-ki’s", "If Song Joong-ki’s"),
    ("(Ryu Seong-ryong)", "(Ryu Seung-ryong)"),
    ("So Ji-yub", "So Ji-sub"),
]
SHOP_LINKS = (
    "\n\nSettling in for a film night? Our exclusive [Inspire Me Korea magazines](/shop/magazines) cover"
    " Korean culture, history, language, trends and entertainment (free shipping too!), and a"
    " [sheet mask set](/products/sheet-mask-set) makes the tears a lot more relaxing."
    "\n\n[[product:magazine-issue-1-hallyu]]\n\n[[product:sheet-mask-set]]\n"
)


def upgrade():
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seo_title", sa.String(length=200), nullable=True))

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(), nullable=True))
    product = sa.table("product", sa.column("created_at", sa.DateTime), sa.column("updated_at", sa.DateTime))
    op.execute(product.update().values(updated_at=product.c.created_at))
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.alter_column("updated_at", existing_type=sa.DateTime(), nullable=False)

    post = sa.table(
        "post", sa.column("slug", sa.String), sa.column("seo_title", sa.String), sa.column("body_markdown", sa.Text)
    )
    conn = op.get_bind()
    body = conn.execute(sa.select(post.c.body_markdown).where(post.c.slug == FILM)).scalar()
    if body is None:
        return  # a shop without the demo article
    for typo, fixed in FIXES:
        body = body.replace(typo, fixed)
    if "/shop/magazines" not in body:
        body = body.rstrip("\n") + SHOP_LINKS
    conn.execute(post.update().where(post.c.slug == FILM).values(body_markdown=body, seo_title=SEO_TITLE))


def downgrade():
    # The corrected text stays: the typos are not worth restoring.
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_column("seo_title")
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
