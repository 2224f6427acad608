"""The newsletter: double opt-in, one-click unsubscribe (List-Unsubscribe headers too), the
new-post email through the job queue, and the confirmed subscribers for the export."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from shop.extensions import db
from shop.models import Author, NewsletterSubscriber, Post, SubscriberStatus
from shop.newsletter import services as newsletter

from .accounts.factories import emails_to, outbox


def sign_up(client, email="reader@example.com", **extra):
    return client.post("/newsletter", data={"email": email, "source": "footer", **extra})


def subscriber(app, email="reader@example.com") -> NewsletterSubscriber | None:
    with app.app_context():
        return db.session.scalar(select(NewsletterSubscriber).filter_by(email=email))


def confirm_link(app, email="reader@example.com") -> str:
    (message,) = emails_to(app, email, "Please confirm")
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://localhost(/newsletter/confirm/\S+)", text).group(1)


def confirmed(app, client, email="reader@example.com") -> NewsletterSubscriber:
    sign_up(client, email)
    link = confirm_link(app, email)
    client.post(link)
    return subscriber(app, email)


def test_the_footer_and_the_end_of_each_post_offer_the_sign_up(seeded, client):
    home = client.get("/").get_data(as_text=True)
    assert 'action="/newsletter"' in home.split('<footer class="site-footer">')[1]
    post = client.get("/blog/top-5-korean-movies-that-make-you-cry").get_data(as_text=True)
    assert 'id="newsletter-post-email"' in post and "Get the next post by email" in post


def test_signing_up_sends_a_confirmation_and_nothing_else_until_confirmed(seeded, client):
    response = sign_up(client, "Reader@Example.com")
    assert response.status_code == 200
    assert "check your inbox" in response.get_data(as_text=True)
    found = subscriber(seeded)
    assert found.status is SubscriberStatus.PENDING and found.source == "footer"
    assert len(emails_to(seeded, "reader@example.com", "Please confirm")) == 1
    # Not confirmed: not in the export, and no new-post email.
    with seeded.app_context():
        assert db.session.scalars(newsletter.confirmed_subscribers()).all() == []


def test_the_link_confirms_once_and_welcomes_with_an_unsubscribe(seeded, client):
    sign_up(client)
    link = confirm_link(seeded)
    page = client.get(link)
    assert page.status_code == 200 and "Yes, sign me up" in page.get_data(as_text=True)
    assert subscriber(seeded).status is SubscriberStatus.PENDING  # a GET (a link scanner) confirms nothing
    assert "You're on the newsletter" in client.post(link).get_data(as_text=True)
    found = subscriber(seeded)
    assert found.status is SubscriberStatus.CONFIRMED and found.confirmed_at is not None
    (welcome,) = emails_to(seeded, "reader@example.com", "You're on")
    assert welcome["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.post(link).status_code == 404  # used
    with seeded.app_context():
        assert [s.email for s in db.session.scalars(newsletter.confirmed_subscribers())] == ["reader@example.com"]


def test_an_expired_confirmation_link_asks_to_sign_up_again(seeded, client):
    with time_machine.travel(datetime.now(UTC) - timedelta(days=8)):
        sign_up(client)
    response = client.get(confirm_link(seeded))
    assert response.status_code == 404
    assert "expired" in response.get_data(as_text=True)


def test_signing_up_again_tells_no_one_and_mails_no_one_twice(seeded, client):
    confirmed(seeded, client)
    before = len(outbox(seeded))
    response = sign_up(client)  # already confirmed: the same page, no email
    assert "check your inbox" in response.get_data(as_text=True)
    assert len(outbox(seeded)) == before
    sign_up(client, "other@example.com")
    sign_up(client, "other@example.com")  # within minutes: one confirmation only
    assert len(emails_to(seeded, "other@example.com")) == 1


def test_bad_email_honeypot_and_rate_limit(seeded, client):
    response = sign_up(client, "not-an-email")
    assert response.status_code == 422
    assert "Enter an email address like name@example.com." in response.get_data(as_text=True)
    assert sign_up(client, "bot@example.com", website="http://spam").status_code == 200
    assert subscriber(seeded, "bot@example.com") is None and outbox(seeded) == []
    seeded.config["NEWSLETTER_RATE_LIMIT"] = "1 per hour"
    limited = seeded.test_client()
    assert [sign_up(limited, f"r{n}@example.com").status_code for n in range(2)] == [200, 429]


def test_a_new_post_is_emailed_once_to_confirmed_subscribers_with_one_click_unsubscribe(seeded, client):
    confirmed(seeded, client)
    sign_up(client, "pending@example.com")
    with seeded.app_context():
        author = db.session.scalar(select(Author))
        db.session.add(
            Post(
                slug="hanbok-day",
                title="Hanbok Day",
                excerpt="Wearing hanbok in Seoul.",
                body_markdown="Hello.",
                author=author,
                published_at=datetime.now(UTC) + timedelta(hours=1),  # scheduled
            )
        )
        db.session.commit()
    runner = seeded.test_cli_runner()
    assert "0 post(s) announced" in runner.invoke(args=["newsletter", "announce"]).output  # not yet published
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=2)):
        result = runner.invoke(args=["newsletter", "announce"])
    assert "Announced: hanbok-day" in result.output
    (message,) = emails_to(seeded, "reader@example.com", "New on the blog: Hanbok Day")
    assert emails_to(seeded, "pending@example.com", "New on the blog") == []
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "http://localhost/blog/hanbok-day" in text
    header = re.fullmatch(r"<http://localhost(/newsletter/unsubscribe/\S+)>", message["List-Unsubscribe"].strip())
    assert header and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"http://localhost{header.group(1)}" in text
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=3)):
        assert "0 post(s) announced" in runner.invoke(args=["newsletter", "announce"]).output
    assert len(emails_to(seeded, "reader@example.com", "New on the blog")) == 1
    # The demo posts were never news.
    assert all("Top 5" not in m["Subject"] for m in outbox(seeded))


def test_one_click_unsubscribe_from_a_mail_program_and_from_the_page(seeded, client):
    found = confirmed(seeded, client)
    path = f"/newsletter/unsubscribe/{found.unsubscribe_token}"
    page = seeded.test_client().get(path)
    assert page.status_code == 200 and "Stop the newsletter to reader@example.com?" in page.get_data(as_text=True)
    assert subscriber(seeded).status is SubscriberStatus.CONFIRMED
    # RFC 8058: the mail program posts List-Unsubscribe=One-Click, with no CSRF token.
    response = seeded.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "You're unsubscribed" in response.get_data(as_text=True)
    assert subscriber(seeded).status is SubscriberStatus.UNSUBSCRIBED
    with seeded.app_context():
        assert db.session.scalars(newsletter.confirmed_subscribers()).all() == []
    assert seeded.test_client().post("/newsletter/unsubscribe/nope").status_code == 404
    # Signing up again starts the double opt-in again.
    sign_up(seeded.test_client())
    assert subscriber(seeded).status is SubscriberStatus.PENDING


def test_the_confirmed_subscribers_query_lists_the_export(seeded, client):
    confirmed(seeded, client, "b@example.com")
    confirmed(seeded, client, "a@example.com")
    sign_up(client, "c@example.com")
    with seeded.app_context():
        rows = db.session.scalars(newsletter.confirmed_subscribers()).all()
    assert [r.email for r in rows] == ["b@example.com", "a@example.com"]
    result = seeded.test_cli_runner().invoke(args=["newsletter", "subscribers"])
    assert "b@example.com\t" in result.output and "c@example.com" not in result.output


def test_the_footer_form_starts_no_session_so_pages_stay_cacheable(seeded, client):
    seeded.config["WTF_CSRF_ENABLED"] = True
    for path in ["/", "/blog", "/about", "/shop/magazines"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    assert sign_up(client).status_code == 200  # no token needed: double opt-in protects the address
    assert subscriber(seeded).status is SubscriberStatus.PENDING


def test_hostile_links_and_input_are_refused_cleanly(seeded, client):
    assert client.get("/newsletter/confirm/%00x").status_code == 404
    assert client.post("/newsletter/unsubscribe/%00x").status_code == 404
    response = sign_up(client, "a\x00@example.com")
    assert response.status_code == 422 and "control characters" in response.get_data(as_text=True)
