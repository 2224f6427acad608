"""Every model, imported in one place so Alembic and the app see the whole schema."""

from .accounts.models import Address, User
from .admin.models import AdminAction, AdminRecoveryCode, AdminSecondFactor
from .blog.models import Author, Post, Tag, post_tag
from .catalog.models import Category, Product, ProductImage, ProductKind, StockAlert, StockMovement, Variant
from .comments.models import Comment, CommentStatus
from .discounts.models import DiscountCode, DiscountDuration, DiscountKind, DiscountRedemption
from .jobs.models import Job, JobStatus
from .newsletter.models import NewsletterSubscriber, SubscriberStatus
from .orders.models import Order, OrderEvent, OrderLine, OrderStatus, VatTreatment
from .payments.models import ProcessedStripeEvent
from .shipping.models import ParcelRate, ShippingZone, ZoneCountry
from .subscriptions.models import Plan, PlanKind

__all__ = [
    "Address",
    "User",
    "AdminAction",
    "AdminRecoveryCode",
    "AdminSecondFactor",
    "Author",
    "Category",
    "DiscountCode",
    "DiscountDuration",
    "DiscountKind",
    "DiscountRedemption",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderStatus",
    "ParcelRate",
    "VatTreatment",
    "Plan",
    "PlanKind",
    "Post",
    "Product",
    "ProductImage",
    "ProductKind",
    "ShippingZone",
    "StockMovement",
    "Tag",
    "Variant",
    "ZoneCountry",
    "post_tag",
    "ProcessedStripeEvent",
    "Job",
    "JobStatus",
    "Comment",
    "CommentStatus",
    "NewsletterSubscriber",
    "SubscriberStatus",
    "StockAlert",
]
