"""/newsletter: sign up (footer, end of posts, or this page), confirm by the emailed link,
unsubscribe in one click."""

from flask import Blueprint, abort, current_app, render_template, request

from ..extensions import csrf, db, limiter
from . import services
from .forms import ConfirmForm, NewsletterForm

bp = Blueprint("newsletter", __name__)


@bp.route("/newsletter", methods=["GET", "POST"])
@csrf.exempt  # see NewsletterForm: double opt-in protects the address
@limiter.limit(lambda: current_app.config["NEWSLETTER_RATE_LIMIT"], methods=["POST"])
def sign_up():
    form = NewsletterForm()
    if request.method == "POST" and form.validate_on_submit():
        if not form.website.data:  # the honeypot: a filled one is thanked and dropped
            services.sign_up(form.email.data, source=form.source.data or "")
            db.session.commit()
        return render_template("newsletter/check_inbox.html", email=form.email.data)
    return render_template("newsletter/sign_up.html", form=form), 422 if form.errors else 200


@bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    form = ConfirmForm()
    try:
        if form.validate_on_submit():
            subscriber = services.confirm(token)
            db.session.commit()
            return render_template("newsletter/confirmed.html", subscriber=subscriber)
        subscriber = services.pending_by_token(token)
    except services.NewsletterError as error:
        return render_template("newsletter/link_invalid.html", error=str(error), form=NewsletterForm()), 404
    return render_template("newsletter/confirm.html", subscriber=subscriber, form=form)


@bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail programs post List-Unsubscribe=One-Click without a form: the token is the check
def unsubscribe(token: str):
    if request.method == "GET":
        subscriber = services.by_unsubscribe_token(token)
        done = False
    else:
        subscriber = services.unsubscribe(token)
        db.session.commit()
        done = True
    if subscriber is None:
        abort(404)
    return render_template("newsletter/unsubscribe.html", subscriber=subscriber, done=done)
