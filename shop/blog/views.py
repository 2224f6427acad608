from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..comments import services as comments
from ..comments.forms import CommentForm
from ..comments.models import CommentStatus
from ..core.forms import page_number
from ..extensions import csrf, db, limiter
from ..http_caching import keepable
from . import attribution, instagram, services
from .markdown import embedded_products, render_markdown, render_markdown_for_feed
from .models import Tag

bp = Blueprint("blog", __name__)


@bp.get("/blog")
@keepable
def index():
    page = request.args.get("page", 1, type=page_number)
    posts = services.published_page(page, current_app.config["POSTS_PER_PAGE"])
    return render_template("blog/index.html", posts=posts, tag=None)


@bp.get("/blog/tag/<slug>")
@keepable
def tag(slug: str):
    found = db.first_or_404(db.select(Tag).filter_by(slug=slug))
    page = request.args.get("page", 1, type=page_number)
    posts = services.published_page(page, current_app.config["POSTS_PER_PAGE"], tag=found)
    return render_template("blog/index.html", posts=posts, tag=found)


# The ids of the comments this visitor left that may still wait for moderation, so the page
# can show them to their author.
MY_COMMENTS = "my_comments"


def _touch(response, post_id: int) -> None:
    """A kept copy of a post is a reading too."""
    attribution.record_reading(response, request.cookies, post_id)


@bp.route("/blog/<slug>", methods=["GET", "POST"])
@keepable(on_serve=_touch)
@csrf.exempt  # the comment form: see CommentForm
@limiter.limit(lambda: current_app.config["COMMENT_RATE_LIMIT"], methods=["POST"])
def post(slug: str):
    found = services.published_post(slug)
    if found is None:
        abort(404)
    form = CommentForm()
    if request.method == "GET":
        replying = comments.by_id(request.args.get("reply_to", type=int) or 0)
        if replying and replying.post_id == found.id and replying.status is CommentStatus.APPROVED:
            form.parent_id.data = str((replying.parent or replying).id)
    elif form.validate_on_submit():
        if form.url.data:  # the honeypot: a filled one is thanked and dropped
            flash("Thank you! Your comment is waiting for moderation.", "success")
            return redirect(url_for("blog.post", slug=slug, _anchor="comments"))
        try:
            comment = comments.add_comment(
                comments.NewComment(
                    post_id=found.id,
                    name=form.name.data,
                    email=form.email.data,
                    website=form.website.data or None,
                    body=form.body.data,
                    parent_id=form.parent(),
                    notify_replies=form.notify_replies.data,
                )
            )
        except comments.CommentError as error:
            db.session.rollback()
            form.body.errors = [*form.body.errors, str(error)]
        else:
            db.session.commit()
            if comment.status is CommentStatus.APPROVED:
                flash("Thank you: your comment is published.", "success")
            else:
                session[MY_COMMENTS] = [*session.get(MY_COMMENTS, []), comment.id][-20:]
                flash("Thank you! Your comment is waiting for moderation: it appears here once approved.", "success")
            return redirect(url_for("blog.post", slug=slug, _anchor=f"comment-{comment.id}"))
    parent_id = form.parent()
    products = services.post_products(found)
    page = render_template(
        "blog/post.html",
        post=found,
        body=render_markdown(found.body_markdown, products.mentioned),
        related_posts=services.related_posts(found),
        related_products=products.related,
        instagram=instagram.load(current_app.config["SHOP_CONTENT_DIR"]),
        thread=comments.approved_thread(found),
        waiting=comments.waiting(found, session.get(MY_COMMENTS, [])),
        form=form,
        replying=comments.by_id(parent_id) if parent_id else None,
        render_comment=comments.render_body,
    )
    response = make_response(page, 422 if form.errors else 200)
    if request.method == "GET":
        # The reader's touch: an order or subscription within ATTRIBUTION_DAYS credits this
        # post. Its cookie makes the page private (http_caching.py), so every reading reaches
        # the shop rather than a shared cache; a copy kept by the process sets it too.
        attribution.record_reading(response, request.cookies, found.id)
        g.kept_page_note = found.id
    return response


@bp.get("/feed.xml")
@keepable
def feed():
    posts = services.latest_posts(limit=20)
    updated = max((post.updated_at for post in posts), default=None)
    products = embedded_products(post.body_markdown for post in posts)  # every post's cards at once
    xml = render_template(
        "blog/feed.xml", posts=posts, updated=updated, feed_html=lambda text: render_markdown_for_feed(text, products)
    )
    return current_app.response_class(xml, mimetype="application/atom+xml")
