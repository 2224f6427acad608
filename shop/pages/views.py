from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from ..blog import instagram
from ..blog import services as blog
from ..catalog import services as catalog
from ..extensions import db, limiter
from ..http_caching import keepable
from ..notifications import send_email
from ..shipping import services as shipping
from ..subscriptions import services as box
from .forms import ContactForm

bp = Blueprint("pages", __name__)

# The shop's own pages, their titles and when their text last changed (the sitemap's lastmod).
INFO_PAGES = {
    "about": ("About us", date(2026, 11, 30)),
    "contact": ("Contact us", date(2026, 11, 30)),
    "delivery": ("Delivery", date(2026, 11, 30)),
    "returns": ("Returns and cancellations", date(2026, 11, 30)),
    "privacy": ("Privacy", date(2026, 11, 30)),
    "terms": ("Terms and conditions", date(2026, 11, 30)),
    "faq": ("Frequently asked questions", date(2026, 11, 30)),
}
# Usual delivery times once a parcel has left us, by shipping zone code.
DELIVERY_TIMES = {"uk": "1–3 working days", "europe": "3–7 working days", "north-america": "5–10 working days"}
DEFAULT_DELIVERY_TIME = "7–21 working days"


@bp.get("/")
@keepable
def home():
    return render_template(
        "pages/home.html",
        featured=catalog.featured_products(),
        posts=blog.latest_posts(),
        monthly=box.monthly_plan(),
        instagram=instagram.load(current_app.config["SHOP_CONTENT_DIR"]),
    )


@bp.get("/about")
@keepable
def about():
    return render_template("pages/about.html", author=blog.author_by_slug("faye-broadbent"))


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["CONTACT_RATE_LIMIT"], methods=["POST"])
def contact():
    form = ContactForm()
    if form.validate_on_submit():
        if not form.website.data:  # the honeypot: a filled one is thanked and dropped
            send_email(
                current_app.config["CONTACT_EMAIL"],
                f"Contact form: {form.name.data}",
                "contact_message",
                headers={"Reply-To": form.email.data},
                name=form.name.data,
                email=form.email.data,
                order_number=form.order_number.data,
                message=form.message.data,
            )
            db.session.commit()
        flash("Thank you: your message is on its way. We answer within two working days.", "success")
        return redirect(url_for("pages.contact"))
    return render_template("pages/contact.html", form=form), 422 if form.errors else 200


@bp.get("/delivery")
@keepable
def delivery():
    zones = shipping.zones_with_rates()
    times = {zone.code: DELIVERY_TIMES.get(zone.code, DEFAULT_DELIVERY_TIME) for zone in zones}
    return render_template(
        "pages/delivery.html", zones=zones, times=times, not_shipped=shipping.countries_not_shipped()
    )


@bp.get("/returns")
@keepable
def returns():
    return render_template("pages/returns.html")


@bp.get("/privacy")
@keepable
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/terms")
@keepable
def terms():
    return render_template("pages/terms.html")


@bp.get("/faq")
@keepable
def faq():
    return render_template("pages/faq.html", monthly=box.monthly_plan(), cutoff_day=10)


@bp.get("/robots.txt")
def robots():
    body = f"User-agent: *\nDisallow: /admin\nDisallow: /cart\nDisallow: /checkout\nDisallow: /account\n\nSitemap: {url_for('pages.sitemap', _external=True)}\n"
    return current_app.response_class(body, mimetype="text/plain")


@bp.get("/sitemap.xml")
@keepable
def sitemap():
    products, category_changed = catalog.sitemap_entries()
    posts = blog.sitemap_entries()
    xml = render_template(
        "pages/sitemap.xml",
        categories=catalog.categories(),
        category_changed=category_changed,
        products=products,
        posts=posts,
        info_pages=INFO_PAGES,
        latest_post=max((p.updated_at for p in posts), default=None),
        latest_product=max((p.updated_at for p in products), default=None),
    )
    return current_app.response_class(xml, mimetype="application/xml")
