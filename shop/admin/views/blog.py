"""The blog editor: posts in Markdown with a preview (a Preview button that works without
JavaScript; static/js/admin-preview.js updates it as you type), drafts, scheduled
publishing, tags, author and a hero picture through the shop's picture pipeline."""

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...blog import editing
from ...blog.models import Post
from ...core.calendar import LONDON
from ...core.forms import options
from ...db_types import utcnow
from ...extensions import db
from .. import audit
from ..blog_forms import HeroForm, PostForm
from ..blueprint import bp
from ..changes import committed, rolled_back
from ..lists import keyset_page


@bp.get("/blog")
def blog():
    page = keyset_page(select(Post).options(selectinload(Post.author)), Post.id)
    return render_template("admin/blog/index.html", page=page, now=utcnow(), status=editing.status)


def _form(post: Post | None) -> PostForm:
    form = PostForm()
    form.author_id.choices = options([(a.id, a.name) for a in editing.authors()])
    if request.method == "GET" and post is not None:
        form.title.data, form.slug.data, form.excerpt.data = post.title, post.slug, post.excerpt
        form.body_markdown.data, form.author_id.data = post.body_markdown, post.author_id
        form.tags.data = ", ".join(tag.name for tag in post.tags)
        if post.published_at is None:
            form.publish.data = "draft"
        else:
            form.publish.data = "at"
            form.publish_at.data = post.published_at.astimezone(LONDON).replace(tzinfo=None, second=0, microsecond=0)
    return form


def _published_at(form: PostForm, post: Post | None):
    if form.publish.data == "draft":
        return None
    if form.publish.data == "now":
        # Keep the first publishing date of a post already out; a new one appears now.
        return (
            post.published_at if post is not None and post.published_at and post.published_at <= utcnow() else utcnow()
        )
    return form.publish_at.data.replace(tzinfo=LONDON)


@bp.route("/blog/new", methods=["GET", "POST"])
@bp.route("/blog/<int:post_id>", methods=["GET", "POST"])
def post_edit(post_id: int | None = None):
    post = db.get_or_404(Post, post_id) if post_id else None
    form = _form(post)
    error = preview = None
    if request.method == "POST" and "preview" in request.form:
        # The Preview button without JavaScript: show the page's body, save nothing.
        form.validate()
        preview = editing.preview(form.body_markdown.data or "")
    elif form.validate_on_submit():
        try:
            draft = editing.PostDraft(
                slug=form.slug.data or "",
                title=form.title.data,
                body_markdown=form.body_markdown.data,
                author_id=form.author_id.data,
                excerpt=form.excerpt.data or "",
                tags=editing.parse_tags(form.tags.data),
                published_at=_published_at(form, post),
                hero_alt=post.hero_alt if post else "",
            )
            saved = editing.save_post(draft, post)
        except editing.BlogError as refused:
            error = rolled_back(refused)
            post = db.session.get(Post, post_id) if post_id else None
        else:
            state = editing.status(saved, utcnow())
            audit.record("post.create" if post is None else "post.update", saved, slug=saved.slug, status=state)
            db.session.commit()
            flash(
                {"draft": "Saved as a draft.", "scheduled": "Saved: it appears on the blog at the time you chose."}.get(
                    state, "Saved: it is on the blog."
                ),
                "success",
            )
            return redirect(url_for("admin.post_edit", post_id=saved.id), 303)
    return render_template(
        "admin/blog/edit.html",
        post=post,
        form=form,
        error=error,
        preview=preview,
        hero_form=HeroForm(prefix="hero"),
        state=editing.status(post, utcnow()) if post else "new",
    )


@bp.post("/blog/preview")
def post_preview():
    """The body as the post page shows it, for the editor's live preview (an HTML fragment)."""
    return (
        str(editing.preview(request.form.get("body_markdown", "")[:200_000])),
        200,
        {"Content-Type": "text/html; charset=utf-8"},
    )


@bp.post("/blog/<int:post_id>/hero")
def post_hero(post_id: int):
    post = db.get_or_404(Post, post_id)
    form = HeroForm(prefix="hero")
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("admin.post_edit", post_id=post_id) + "#hero", 303)
    try:
        editing.set_hero(post, form.image.data.stream, alt=form.alt.data)
    except editing.BlogError as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        audit.record("post.hero", post, image=post.hero_image)
        db.session.commit()
        flash("The hero picture is updated.", "success")
    return redirect(url_for("admin.post_edit", post_id=post_id) + "#hero", 303)


@bp.post("/blog/<int:post_id>/hero/remove")
def post_hero_remove(post_id: int):
    post = db.get_or_404(Post, post_id)
    editing.remove_hero(post)
    return committed(
        "post.hero_remove",
        post,
        message="The hero picture is removed.",
        to=url_for("admin.post_edit", post_id=post_id) + "#hero",
    )
