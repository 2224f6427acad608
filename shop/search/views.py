from flask import Blueprint, render_template, request
from wtforms import SearchField
from wtforms.validators import Length

from ..catalog import services as catalog
from ..core.forms import ShopForm
from . import services

bp = Blueprint("search", __name__)


class SearchForm(ShopForm):
    """Read from the query string, with no CSRF token: a search changes nothing."""

    class Meta:
        csrf = False

    q = SearchField(
        "Search the shop and the blog",
        validators=[
            Length(
                max=services.MAX_QUERY_LENGTH,
                message=f"Please shorten your search to {services.MAX_QUERY_LENGTH} characters or fewer.",
            )
        ],
    )


@bp.get("/search")
def search():
    form = SearchForm(request.args)
    results, status = None, 200
    if form.q.data and form.q.data.strip():
        if form.validate():
            results = services.search(form.q.data.strip())
        else:
            status = 422
    categories = catalog.categories() if results is None or not results.found else []
    return render_template("search/results.html", form=form, results=results, categories=categories), status
