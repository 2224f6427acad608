"""Which blog post brought a sale: reading a post leaves a touch in the reader's cookie, the
order or subscription placed within ATTRIBUTION_DAYS records it, and the back office's
report adds up revenue and new subscribers per post."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from shop.admin import post_sales
from shop.blog import attribution
from shop.blog.attribution import Touch, Touches
from shop.blog.models import Post
from shop.checkout import services as checkout
from shop.extensions import db, limiter
from shop.orders import services as orders
from shop.orders.models import Order, OrderStatus
from shop.subscriptions.models import Subscription, SubscriptionStatus

from .accounts.factories import make_user, sign_in
from .admin.factories import make_admin, sign_in_admin
from .box_factories import make_subscription
from .commerce import details, items
from .subscriptions.test_subscribe_demo import BEFORE_DECEMBER_CUTOFF, CANADA, choose
from .subscriptions.test_subscribe_demo import pay as pay_for_box
from .test_checkout_views import add, checkout_to_review, start_payment

FILMS = "top-5-korean-movies-that-make-you-cry"
MASKS = "a-week-of-sheet-masks"
PAID_CARD = {"card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}


def post_id(app, slug: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Post.id).where(Post.slug == slug))


def buy_a_mask_set(client) -> Order:
    """Product page → cart → checkout → the demo card: the order, paid."""
    assert client.get("/products/sheet-mask-set").status_code == 200
    add(client, "MASK-MIX-30")
    checkout_to_review(client)
    paid = client.post(start_payment(client), data=PAID_CARD)
    assert paid.status_code == 303 and "/checkout/complete/" in paid.location
    with client.application.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        assert order.status is OrderStatus.PAID
        db.session.expunge(order)
        return order


def touch_cookie(response) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{attribution.COOKIE}=")]
    return header.split(";", 1)[0].split("=", 1)[1]


# ---- recording touches ----------------------------------------------------------------------


def test_reading_two_posts_then_buying_credits_the_first_and_the_last(seeded, client):
    assert client.get(f"/blog/{FILMS}").status_code == 200
    assert client.get(f"/blog/{MASKS}").status_code == 200
    client.get("/blog")  # the list of posts is no post: it changes nothing
    order = buy_a_mask_set(client)
    assert (order.first_touch_post_id, order.last_touch_post_id) == (post_id(seeded, FILMS), post_id(seeded, MASKS))


def test_one_post_read_is_both_first_and_last_touch(seeded, client):
    client.get(f"/blog/{MASKS}")
    order = buy_a_mask_set(client)
    assert order.first_touch_post_id == order.last_touch_post_id == post_id(seeded, MASKS)


def test_a_visit_from_elsewhere_credits_no_post(seeded, client):
    client.get("/")
    client.get("/blog")
    order = buy_a_mask_set(client)
    assert (order.first_touch_post_id, order.last_touch_post_id) == (None, None)


@pytest.mark.parametrize(("days_ago", "credited"), [(31, False), (29, True)])
def test_a_return_visit_after_31_days_credits_no_post(seeded, client, days_ago, credited):
    with time_machine.travel(datetime.now(UTC) - timedelta(days=days_ago)):
        read = client.get(f"/blog/{FILMS}")
    # Sent again as a browser that kept it would: the shop itself drops the old touch.
    client.set_cookie(attribution.COOKIE, touch_cookie(read))
    order = buy_a_mask_set(client)
    expected = post_id(seeded, FILMS) if credited else None
    assert (order.first_touch_post_id, order.last_touch_post_id) == (expected, expected)


def test_an_old_first_touch_gives_way_to_the_post_read_now(seeded, client):
    with time_machine.travel(datetime.now(UTC) - timedelta(days=40)):
        old = client.get(f"/blog/{FILMS}")
    client.set_cookie(attribution.COOKIE, touch_cookie(old))
    client.get(f"/blog/{MASKS}")
    order = buy_a_mask_set(client)
    assert order.first_touch_post_id == order.last_touch_post_id == post_id(seeded, MASKS)


def test_a_first_touch_is_kept_while_later_posts_move_the_last(seeded, client):
    with time_machine.travel(datetime.now(UTC) - timedelta(days=10)):
        client.get(f"/blog/{FILMS}")
    client.get(f"/blog/{MASKS}")
    order = buy_a_mask_set(client)
    assert (order.first_touch_post_id, order.last_touch_post_id) == (post_id(seeded, FILMS), post_id(seeded, MASKS))


def test_an_altered_cookie_is_no_touch(seeded, client):
    read = client.get(f"/blog/{FILMS}")
    value = touch_cookie(read)
    forged = attribution.URLSafeSerializer("not-the-shops-key", salt="post-touch").dumps(
        {"first": [post_id(seeded, MASKS), int(datetime.now(UTC).timestamp())]}
    )
    for bad in (value[:-3] + "abc", forged, "garbage"):
        client.set_cookie(attribution.COOKIE, bad)
        with seeded.test_request_context():
            assert attribution.read({attribution.COOKIE: bad}) == Touches()
    order = buy_a_mask_set(client)
    assert (order.first_touch_post_id, order.last_touch_post_id) == (None, None)


def test_the_touch_cookie_is_first_party_httponly_and_lasts_the_attribution_days(seeded, client):
    response = client.get(f"/blog/{FILMS}")
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{attribution.COOKIE}=")]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Domain" not in header
    assert f"Max-Age={30 * 86400}" in header
    # The page is private: a shared cache serving it would never tell the shop of the reading.
    assert response.cache_control.private and not response.cache_control.public
    # The touch alone (no session) leaves the other pages shareable: they do not depend on it.
    reader = seeded.test_client()
    reader.set_cookie(attribution.COOKIE, touch_cookie(response))
    assert reader.get("/blog").cache_control.public


def test_attribution_days_zero_sets_no_cookie_and_credits_nothing(seeded, client):
    client.get(f"/blog/{FILMS}")
    seeded.config["ATTRIBUTION_DAYS"] = 0
    response = client.get(f"/blog/{MASKS}")
    assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{attribution.COOKIE}=")]
    order = buy_a_mask_set(client)
    assert (order.first_touch_post_id, order.last_touch_post_id) == (None, None)


def test_touches_read_back_what_was_written():
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    touches = Touches().after_reading(7, now - timedelta(days=3), 30).after_reading(9, now, 30)
    assert touches == Touches(Touch(7, now - timedelta(days=3)), Touch(9, now))
    assert Touches.from_data(touches.to_data()) == touches
    assert touches.fresh(now + timedelta(days=28), 30) == Touches(None, Touch(9, now))
    for junk in (
        None,
        [],
        {"first": "7"},
        {"first": [7]},
        {"last": [True, 1]},
        {"last": [-1, 5]},
        {"first": [1, 2**50]},
    ):
        assert Touches.from_data(junk) == Touches()


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_subscribing_after_reading_the_post_credits_it(seeded, client):
    with seeded.app_context():
        make_user("ji-woo@example.com")
    client.get(f"/blog/{FILMS}")  # read before signing in: signing in keeps the touch
    sign_in(client, "ji-woo@example.com")
    assert choose(client, address=CANADA).location.endswith("/culture-box/subscribe/review")
    assert pay_for_box(client).status_code == 303
    with seeded.app_context():
        sub = db.session.scalars(select(Subscription).order_by(Subscription.id.desc())).first()
        assert sub.status is SubscriptionStatus.ACTIVE
        assert sub.first_touch_post_id == sub.last_touch_post_id == post_id(seeded, FILMS)


@time_machine.travel(BEFORE_DECEMBER_CUTOFF, tick=False)
def test_subscribing_without_reading_a_post_credits_none(seeded, client):
    with seeded.app_context():
        make_user("ji-woo@example.com")
    sign_in(client, "ji-woo@example.com")
    choose(client, address=CANADA)
    pay_for_box(client)
    with seeded.app_context():
        sub = db.session.scalars(select(Subscription).order_by(Subscription.id.desc())).first()
        assert (sub.first_touch_post_id, sub.last_touch_post_id) == (None, None)


# ---- the report ----------------------------------------------------------------------------


def paid_order_from(first: int | None, last: int | None, **cart) -> Order:
    order = checkout.place(
        items(**cart), details(), touches=Touches(first and Touch(first, _now()), last and Touch(last, _now()))
    )
    orders.begin_payment_attempt(order, provider="demo")
    orders.record_payment_reference(order, f"demo_{order.number}_1")
    assert orders.confirm_payment(order, provider="demo", reference=f"demo_{order.number}_1", actor="test")
    db.session.commit()
    return order


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def sales(seeded):
    """An order from the film post, two from the sheet-mask post (one reached through the film
    post first), a subscription from the film post, an order and a subscription from no post,
    and an order from the film post left unpaid."""
    films, masks = post_id(seeded, FILMS), post_id(seeded, MASKS)
    with seeded.app_context():
        made = {
            "films": paid_order_from(films, films, MAG_001=1),
            "masks": paid_order_from(masks, masks, MASK_MIX_7=1),
            "films_then_masks": paid_order_from(films, masks, MASK_MIX_30=1),
            "elsewhere": paid_order_from(None, None, MASK_MIX_7=2),
        }
        checkout.place(items(MAG_001=1), details(), touches=Touches(Touch(films, _now()), Touch(films, _now())))
        box = make_subscription(first_month=_now().date().replace(day=1))
        box.first_touch_post_id = box.last_touch_post_id = films
        make_subscription(first_month=_now().date().replace(day=1), country="US")
        db.session.commit()
        totals = {name: order.total_pence for name, order in made.items()}
        totals["box"] = sum(p.amount_pence for p in box.periods)
        totals["other_box"] = sum(
            p.amount_pence
            for p in db.session.scalars(select(Subscription).where(Subscription.id != box.id)).first().periods
        )
    return films, masks, totals


def test_the_report_sums_revenue_and_subscribers_per_post_by_first_and_last_touch(seeded, sales):
    films, masks, t = sales
    with seeded.app_context():
        report = post_sales.post_report(_now() - timedelta(days=30), _now() + timedelta(minutes=1))
    rows = {row.post_id: row for row in report.posts}
    assert set(rows) == {films, masks}
    film, mask = rows[films], rows[masks]
    # First touch: the film post brought two orders and the subscription.
    assert (film.first.orders, film.first.order_pence) == (2, t["films"] + t["films_then_masks"])
    assert (film.first.box_pence, film.first.subscribers) == (t["box"], 1)
    assert film.first.revenue_pence == t["films"] + t["films_then_masks"] + t["box"]
    assert (mask.first.orders, mask.first.revenue_pence, mask.first.subscribers) == (1, t["masks"], 0)
    # Last touch: the sheet-mask post gets the order its reader reached through the films.
    assert (film.last.orders, film.last.revenue_pence) == (1, t["films"] + t["box"])
    assert (mask.last.orders, mask.last.revenue_pence) == (2, t["masks"] + t["films_then_masks"])
    # What no post brought, and the totals: the shop's own, whichever touch.
    assert (report.unattributed.first.orders, report.unattributed.first.order_pence) == (1, t["elsewhere"])
    assert report.unattributed.first.subscribers == 1 and report.unattributed.first.box_pence == t["other_box"]
    everything = t["films"] + t["masks"] + t["films_then_masks"] + t["elsewhere"] + t["box"] + t["other_box"]
    assert report.total.first.revenue_pence == report.total.last.revenue_pence == everything
    assert report.total.first.subscribers == report.total.last.subscribers == 2
    assert [row.post_id for row in report.posts] == [masks, films]  # most last-touch revenue first
    # Before these sales: nothing.
    with seeded.app_context():
        earlier = post_sales.post_report(_now() - timedelta(days=60), _now() - timedelta(days=30))
    assert earlier.posts == [] and earlier.total.first.revenue_pence == 0


def test_the_report_page_and_the_dashboard_panel_show_it_to_an_admin(seeded, sales):
    films, masks, t = sales
    limiter.reset()
    with seeded.app_context():
        make_admin()
    admin = seeded.test_client()
    sign_in_admin(seeded, admin)
    page = admin.get("/admin/reports/posts")
    assert page.status_code == 200
    assert "Sales by blog post" in page.text and "Last 30 days" in page.text
    assert "Top 5 Korean Movies That Are Guaranteed To Make You Cry" in page.text
    assert "A Week of Sheet Masks" in page.text and "Not from a post" in page.text
    film_first = t["films"] + t["films_then_masks"] + t["box"]
    assert f"£{film_first / 100:,.2f}" in page.text
    assert f'href="/admin/blog/{films}"' in page.text
    assert 'href="/admin/reports/posts"' in page.text and ">Reports</a>" in page.text  # in the navigation
    assert page.headers["Cache-Control"] == "no-store"

    week = admin.get("/admin/reports/posts?days=7")
    assert week.status_code == 200 and "in the last 7 days" in week.text
    typed = admin.get("/admin/reports/posts?days=12345")
    assert typed.status_code == 200
    assert "Choose one of the periods listed: showing the last 30 days." in typed.text
    assert f"£{film_first / 100:,.2f}" in typed.text

    dashboard = admin.get("/admin")
    assert "Top blog posts, last 30 days" in dashboard.text
    panel = dashboard.text.split("Top blog posts, last 30 days", 1)[1]
    assert panel.index("A Week of Sheet Masks") < panel.index("Top 5 Korean Movies")
    assert f"£{film_first / 100:,.2f}" in panel and 'href="/admin/reports/posts"' in panel


def test_the_dashboard_says_so_when_no_sale_came_from_a_post(seeded):
    limiter.reset()
    with seeded.app_context():
        make_admin()
    admin = seeded.test_client()
    sign_in_admin(seeded, admin)
    assert "No order or subscription in the last 30 days came from a blog post." in admin.get("/admin").text
    assert "came from a blog post" in admin.get("/admin/reports/posts").text


def test_the_report_is_not_there_for_visitors_or_customers(seeded, client):
    assert client.get("/admin/reports/posts").status_code == 404
    with seeded.app_context():
        make_user("min-ji@example.com")
    sign_in(client, "min-ji@example.com")
    assert client.get("/admin/reports/posts").status_code == 404
