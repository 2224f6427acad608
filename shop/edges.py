"""The edges, registered in one place: every page blueprint, the Stripe webhook endpoint and
every command group. Nothing else imports an edge (docs/architecture.md), so an area can
never reach another area's pages or commands, not even through its own package."""

from flask import Flask

from .accounts import views as accounts
from .admin import views as admin
from .blog import views as blog
from .cart import views as cart
from .catalog import views as catalog
from .checkout import views as checkout
from .cli import shop_cli
from .comments import views as comments
from .comments.cli import comments_cli
from .health import bp as health
from .jobs.cli import jobs_cli
from .newsletter import views as newsletter
from .newsletter.cli import newsletter_cli
from .orders import views as orders
from .orders.cli import orders_cli
from .pages import media
from .pages import views as pages
from .payments import views as demo_payments
from .payments import webhooks as stripe_webhooks
from .search import views as search
from .subscriptions import account_views as subscriber
from .subscriptions import views as subscriptions
from .subscriptions.cli import box_cli

BLUEPRINTS = [
    pages.bp,
    media.bp,  # uploaded pictures, from MEDIA_FOLDER
    catalog.bp,
    subscriptions.bp,
    subscriber.bp,  # the subscriber's pages under /account/subscriptions
    blog.bp,
    cart.bp,
    checkout.bp,
    orders.bp,
    demo_payments.bp,  # refused (404) in production and with Stripe keys
    stripe_webhooks.bp,  # CSRF-exempt: the Stripe signature is the check
    accounts.bp,
    health,  # GET /health for the load balancer
    comments.bp,  # the one-click unsubscribe is CSRF-exempt: the token is the check
    newsletter.bp,  # likewise its unsubscribe
    search.bp,  # GET /search: products and posts
    admin.bp,  # /admin: 404 to all but admins who passed the second factor
]
COMMANDS = [shop_cli, orders_cli, box_cli, jobs_cli, comments_cli, newsletter_cli]


def init_app(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for group in COMMANDS:
        app.cli.add_command(group)
