"""Flask extensions, created once here and bound to the app in create_app()."""

from datetime import datetime

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

from .db_types import UtcDateTime, render_migration_item

# Named constraints keep migrations stable on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION), type_annotation_map={datetime: UtcDateTime}
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True, render_item=render_migration_item)
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI: memory:// by default, redis://... in production.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Customer sign-in (Flask-Login); configured in shop.accounts.init_app.
login_manager = LoginManager()
