"""The back office's pages: one module per area, each adding its routes to the one `admin`
blueprint (admin/blueprint.py) when imported. To add a page module, add its name to PAGES;
shop/edges.py registers the blueprint."""

from importlib import import_module

from ..blueprint import bp

PAGES = [
    "second_factor",  # signing in: the authenticator app and recovery codes
    "dashboard",
    "orders",
    "exports",
    "catalogue",
    "culture_box",
    "subscriptions",
    "shipping",
    "discounts",
    "blog",
    "comments",  # moderation: approve, spam, delete
    "reports",  # sales per blog post
    "audit",
]

for _name in PAGES:
    import_module(f"{__name__}.{_name}")

__all__ = ["bp", "PAGES"]
