""" "Tell me when it's back": a visitor asks on a sold-out size, and is emailed once, through
the job queue, when it has stock again."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from shop.catalog import alerts
from shop.extensions import db
from shop.models import StockAlert, Variant

from .accounts.factories import emails_to, outbox

SOLD_OUT = "/products/magazine-issue-3-hanok-heritage"  # MAG-003 has no stock in the demo
ASK = "/products/magazine-issue-3-hanok-heritage/MAG-003/tell-me-when-back"


def set_stock(app, sku: str, stock: int) -> None:
    with app.app_context():
        db.session.scalar(select(Variant).filter_by(sku=sku)).stock = stock
        db.session.commit()


def sweep(app) -> int:
    with app.app_context():
        sent = alerts.send_back_in_stock()
        db.session.commit()
        return sent


def requests(app) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(select(Variant.sku, StockAlert.email).join(StockAlert.variant)).all()
        return [tuple(row) for row in rows]


def test_a_sold_out_size_offers_the_request_and_an_in_stock_one_does_not(seeded, client):
    html = client.get(SOLD_OUT).get_data(as_text=True)
    assert "Tell me when it's back" in html and f'action="{ASK}"' in html
    assert "tell-me-when-back" not in client.get("/products/magazine-issue-1-hallyu").get_data(as_text=True)


def test_the_visitor_is_emailed_once_when_the_stock_returns(seeded, client):
    response = client.post(ASK, data={"email": "Reader@Example.com"})
    assert response.status_code == 302
    assert "email Reader@Example.com once when Print edition is back in stock" in client.get(
        response.location
    ).get_data(as_text=True)
    client.post(ASK, data={"email": "reader@example.com"})  # asking twice keeps one request
    assert requests(seeded) == [("MAG-003", "reader@example.com")]
    assert sweep(seeded) == 0  # still sold out: nothing sent
    set_stock(seeded, "MAG-003", 12)
    assert sweep(seeded) == 1
    (message,) = emails_to(seeded, "reader@example.com", "Back in stock")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hanok & Heritage" in text and "£6.99" in text
    assert "http://localhost/products/magazine-issue-3-hanok-heritage?variant=MAG-003" in text
    assert requests(seeded) == []
    assert sweep(seeded) == 0  # once
    assert len(outbox(seeded)) == 1


def test_the_schedule_sends_them(seeded, client):
    from shop.jobs import tasks

    client.post(ASK, data={"email": "reader@example.com"})
    set_stock(seeded, "MAG-003", 1)
    with seeded.app_context():
        assert tasks.send_back_in_stock() == 1
    assert len(emails_to(seeded, "reader@example.com", "Back in stock")) == 1


def test_a_size_of_a_product_with_others_in_stock(seeded, client):
    set_stock(seeded, "MASK-MIX-30", 0)
    html = client.get("/products/sheet-mask-set?variant=MASK-MIX-30").get_data(as_text=True)
    assert "This size is sold out for now" in html and "Tell me when it's back" in html
    client.post("/products/sheet-mask-set/MASK-MIX-30/tell-me-when-back", data={"email": "a@example.com"})
    assert requests(seeded) == [("MASK-MIX-30", "a@example.com")]


def test_bad_email_honeypot_in_stock_and_unknown_size(seeded, client):
    response = client.post(ASK, data={"email": "nope"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Enter an email address like name@example.com." in html and 'value="nope"' in html
    assert client.post(ASK, data={"email": "bot@example.com", "website": "x"}).status_code == 302
    assert requests(seeded) == []
    in_stock = client.post(
        "/products/magazine-issue-1-hallyu/MAG-001/tell-me-when-back", data={"email": "a@example.com"}
    )
    assert "in stock: you can order it now" in client.get(in_stock.location).get_data(as_text=True)
    assert (
        client.post(
            "/products/magazine-issue-1-hallyu/NOPE/tell-me-when-back", data={"email": "a@example.com"}
        ).status_code
        == 404
    )
    assert requests(seeded) == []


def test_requests_never_answered_are_forgotten_after_six_months(seeded, client):
    with seeded.app_context():
        variant = db.session.scalar(select(Variant).filter_by(sku="MAG-003"))
        alerts.ask(variant, "old@example.com", now=datetime.now(UTC) - timedelta(days=200))
        alerts.ask(variant, "new@example.com")
        db.session.commit()
    sweep(seeded)
    assert requests(seeded) == [("MAG-003", "new@example.com")]
