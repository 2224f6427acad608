"""Post bodies: CommonMark rendered by markdown-it, sanitised by nh3, then product embeds.

A paragraph that holds only `[[product:some-slug]]` becomes a live product card
(price and stock read at render time), or in the feed a link to the product. Embeds are expanded after sanitising, from
our own template, so the sanitiser never has to trust the card's markup.
"""

import re

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


def _product_card(match: re.Match) -> str:
    product = catalog.product_by_slug(match.group(1))
    if product is None:
        return ""  # a retired product simply drops out of old posts
    return render_template("catalog/_embed.html", product=product)


def _product_link(match: re.Match) -> str:
    product = catalog.product_by_slug(match.group(1))
    if product is None:
        return ""
    return render_template("catalog/_embed_link.html", product=product)


def render_markdown(text: str) -> Markup:
    html = sanitise(_markdown.render(text))
    return Markup(EMBED.sub(_product_card, html))


def render_markdown_for_feed(text: str) -> Markup:
    """The post for feed readers: product cards become plain links (no forms: a feed reader
    cannot post them), with absolute URLs."""
    html = sanitise(_markdown.render(text))
    return Markup(EMBED.sub(_product_link, html))
