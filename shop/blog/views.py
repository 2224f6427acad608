from flask import Blueprint, abort, current_app, render_template, request

from ..core.forms import page_number
from ..extensions import db
from . import instagram, services
from .markdown import render_markdown, render_markdown_for_feed
from .models import Tag

bp = Blueprint("blog", __name__)


@bp.get("/blog")
def index():
    page = request.args.get("page", 1, type=page_number)
    posts = services.published_page(page, current_app.config["POSTS_PER_PAGE"])
    return render_template("blog/index.html", posts=posts, tag=None)


@bp.get("/blog/tag/<slug>")
def tag(slug: str):
    found = db.first_or_404(db.select(Tag).filter_by(slug=slug))
    page = request.args.get("page", 1, type=page_number)
    posts = services.published_page(page, current_app.config["POSTS_PER_PAGE"], tag=found)
    return render_template("blog/index.html", posts=posts, tag=found)


@bp.get("/blog/<slug>")
def post(slug: str):
    found = services.published_post(slug)
    if found is None:
        abort(404)
    return render_template(
        "blog/post.html",
        post=found,
        body=render_markdown(found.body_markdown),
        related_posts=services.related_posts(found),
        related_products=services.related_products(found),
        instagram=instagram.load(current_app.config["SHOP_CONTENT_DIR"]),
    )


@bp.get("/feed.xml")
def feed():
    posts = services.latest_posts(limit=20)
    updated = max((post.updated_at for post in posts), default=None)
    xml = render_template("blog/feed.xml", posts=posts, updated=updated, feed_html=render_markdown_for_feed)
    return current_app.response_class(xml, mimetype="application/atom+xml")
