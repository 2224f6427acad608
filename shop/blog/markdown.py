"""Post bodies: CommonMark rendered by markdown-it, sanitised by nh3, then product embeds.

A paragraph that holds only `[[product:some-slug]]` becomes a live product card
(price and stock read at render time), or in the feed a link to the product. Embeds are expanded after sanitising, from
our own template, so the sanitiser never has to trust the card's markup.

Rendering and sanitising take milliseconds for a long post, so their result is kept in
process, keyed by the text itself: an edited post is a new key, and nothing can go stale.
The cards are never kept: they carry today's price and stock, and the visitor's own CSRF
token and boxes. Every card of a post comes from one query.
"""

import re
from collections.abc import Iterable
from functools import lru_cache

import nh3
from flask import render_template
from markdown_it import MarkdownIt
from markupsafe import Markup

from ..catalog import services as catalog

_markdown = MarkdownIt("commonmark")

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "hr",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "small",
    "span",
    "strong",
    "ul",
}
ALLOWED_ATTRIBUTES = {"*": {"lang", "title"}, "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start"}}
EMBED = re.compile(r"<p>\[\[product:([a-z0-9-]+)\]\]</p>")


def sanitise(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener",
    )


@lru_cache(maxsize=512)
def sanitised_html(text: str) -> str:
    """The text as clean HTML, embeds not yet expanded."""
    return sanitise(_markdown.render(text))


def embedded_products(texts: Iterable[str]) -> dict:
    """slug -> product for every card in these texts, from one query (none without a card)."""
    slugs = {slug for text in texts for slug in EMBED.findall(sanitised_html(text))}
    return catalog.products_by_slug(slugs) if slugs else {}


def _with_embeds(text: str, template: str, products: dict | None) -> Markup:
    html = sanitised_html(text)
    if not EMBED.search(html):
        return Markup(html)
    if products is None:
        products = embedded_products([text])

    def expand(match: re.Match) -> str:
        product = products.get(match.group(1))
        if product is None:
            return ""  # a retired product simply drops out of old posts
        return render_template(template, product=product)

    return Markup(EMBED.sub(expand, html))


def render_markdown(text: str, products: dict | None = None) -> Markup:
    """`products`: the cards' products when the caller loaded them for several texts at once
    (`embedded_products`)."""
    return _with_embeds(text, "catalog/_embed.html", products)


def render_markdown_for_feed(text: str, products: dict | None = None) -> Markup:
    """The post for feed readers: product cards become plain links (no forms: a feed reader
    cannot post them), with absolute URLs."""
    return _with_embeds(text, "catalog/_embed_link.html", products)
