"""The shop's own pages (About, Contact, Delivery, Returns, Privacy, Terms, FAQ): reachable
from the footer, the checkout and every email; the contact form emails the shop."""

import pytest
from sqlalchemy import select

from shop.extensions import db
from shop.models import Variant

from .accounts.factories import outbox

PAGES = {
    "/about": "In love with Korea. I appreciate a proper good brew and cute stationery.",
    "/contact": "Your message *",
    "/delivery": "Magazines ship free, anywhere in the world.",
    "/returns": "Once a sealed sachet or pack has been opened after delivery, it cannot be returned",
    "/privacy": "Getting your data, or deleting it",
    "/terms": "governed by the law of England and Wales",
    "/faq": "When do I get my first box?",
}


@pytest.mark.parametrize("path", PAGES)
def test_each_page_is_linked_from_the_footer_and_says_what_it_is_for(seeded, client, path):
    html = client.get(path).get_data(as_text=True)
    assert PAGES[path] in html
    footer = client.get("/").get_data(as_text=True).split('<footer class="site-footer">')[1]
    assert f'href="{path}"' in footer


def test_delivery_lists_each_zone_with_its_times_and_prices_from_the_shipping_tables(seeded, client):
    html = client.get("/delivery").get_data(as_text=True)
    uk = html[html.index('id="zone-uk"') : html.index('id="zone-europe"')]
    assert "1–3 working days" in uk
    assert "<td>250 g</td><td>£2.95</td>" in uk and "<td>10 kg</td><td>£8.95</td>" in uk
    assert "<td>The Culture Box, each month</td><td>Included</td>" in uk
    europe = html[html.index('id="zone-europe"') : html.index('id="zone-north-america"')]
    assert "3–7 working days" in europe and "<td>1 kg</td><td>£9.95</td>" in europe and "£6.50" in europe
    assert "France" in europe
    assert "Rest of World" in html and "7–21 working days" in html
    assert "Cuba" in html.split("Where we can't deliver")[1]


def test_returns_states_the_14_day_right_to_cancel_and_the_sealed_cosmetics_exception(seeded, client):
    html = client.get("/returns").get_data(as_text=True)
    assert "14 days after the day the parcel arrives" in html
    assert "Consumer Contracts Regulations 2013" in html
    assert 'id="sealed-cosmetics"' in html and "health protection and hygiene reasons" in html


def test_the_checkout_links_terms_delivery_returns_and_privacy(seeded, client):
    with seeded.app_context():
        variant_id = db.session.scalar(select(Variant.id).filter_by(sku="MAG-001"))
    client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
    client.post(
        "/checkout",
        data={
            "email": "reader@example.com",
            "name": "Reader",
            "line1": "1 Tea Street",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country": "GB",
        },
    )
    html = client.get("/checkout/review").get_data(as_text=True)
    for path in ["/terms", "/delivery", "/returns", "/privacy"]:
        assert f'href="{path}"' in html.split("checkout__policies")[1].split("</p>")[0]


def test_the_contact_form_emails_the_shop_with_a_reply_to_the_sender(seeded, client):
    seeded.config["CONTACT_EMAIL"] = "team@inspiremekorea.co.uk"
    response = client.post(
        "/contact",
        data={
            "name": "Min-ji",
            "email": "min-ji@example.com",
            "order_number": "IMK-1",
            "message": "Where is my box? <b>x</b>",
        },
    )
    assert response.status_code == 302
    assert "Thank you" in client.get(response.location).get_data(as_text=True)
    (message,) = outbox(seeded)
    assert message["To"] == "team@inspiremekorea.co.uk"
    assert message["Reply-To"] == "min-ji@example.com"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Where is my box? <b>x</b>" in text and "Order: IMK-1" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_a_contact_form_with_the_honeypot_filled_sends_nothing(seeded, client):
    response = client.post(
        "/contact",
        data={"name": "Bot", "email": "bot@example.com", "message": "Buy cheap things now!!", "website": "http://spam"},
    )
    assert response.status_code == 302
    assert outbox(seeded) == []


def test_a_contact_form_with_missing_fields_says_what_is_missing_and_keeps_the_text(seeded, client):
    response = client.post("/contact", data={"name": "", "email": "not-an-email", "message": "Hello there, a question"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter your name." in html and "Enter an email address like name@example.com." in html
    assert "Hello there, a question" in html and 'value="not-an-email"' in html
    assert outbox(seeded) == []


def test_the_contact_form_is_rate_limited(seeded, client):
    seeded.config["CONTACT_RATE_LIMIT"] = "2 per hour"
    data = {"name": "Min-ji", "email": "min-ji@example.com", "message": "A question about my box"}
    statuses = [client.post("/contact", data=data).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_every_email_footer_links_the_trust_pages(seeded, client):
    client.post("/account/register", data={"email": "min-ji@example.com", "password": "a long enough passphrase"})
    (message,) = outbox(seeded)
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    for path in ["/delivery", "/returns", "/privacy", "/terms", "/contact"]:
        assert f'href="http://localhost{path}"' in html
    for line in [
        "Delivery: http://localhost/delivery",
        "Returns: http://localhost/returns",
        "Privacy: http://localhost/privacy",
    ]:
        assert line in text
