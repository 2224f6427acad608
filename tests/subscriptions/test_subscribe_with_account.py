"""The subscribe page for a visitor who is not signed in: the account is made (or signed in
to) on the same page as the address, as shops do at checkout; the country starts from the
visitor's last choice or their browser's language; a plan picked from a link wins."""

import re

import pytest
from sqlalchemy import select

from shop.accounts.models import User
from shop.extensions import db

from ..accounts.factories import PASSWORD, emails_to, make_address, make_user, sign_in
from ..commerce import variant

LEEDS = {
    "plan": "monthly",
    "name": "Ji-woo Park",
    "line1": "3 Hanok Road",
    "line2": "",
    "city": "Leeds",
    "postcode": "LS2 9JT",
    "country": "GB",
    "region": "",
    "phone": "",
}


def selected_country(page: str) -> str | None:
    options = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = [
        m.group(1) for m in re.finditer(r'<option[^>]*value="([A-Z]*)"[^>]*>', options) if "selected" in m.group(0)
    ]
    return chosen[0] if chosen else None


def signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    return re.search(r"[\w.+-]+@example\.com", page.get_data(as_text=True)).group(0)


def test_a_visitor_sees_the_account_fields_above_the_address(seeded, client):
    answer = client.get("/culture-box/subscribe")
    assert answer.status_code == 200  # no detour to the sign-in page
    page = answer.get_data(as_text=True)
    assert page.index("Your account") < page.index('name="email"') < page.index("Where your boxes go")
    assert 'name="password"' in page and 'autocomplete="new-password"' in page
    assert "Already have an account? Sign in" in page
    assert "/account/sign-in?next=/culture-box/subscribe?plan%3Dmonthly" in page


def test_a_signed_in_customer_sees_no_account_fields(seeded, client):
    with seeded.app_context():
        make_user("min-ji@example.com")
    sign_in(client)
    page = client.get("/culture-box/subscribe").get_data(as_text=True)
    assert "Your account" not in page and 'name="password"' not in page


def test_a_new_email_creates_the_account_signs_in_and_goes_to_the_review(seeded, client):
    answer = client.post("/culture-box/subscribe", data={**LEEDS, "email": "Ji-woo@Example.com", "password": PASSWORD})
    assert answer.status_code == 302 and answer.location.endswith("/culture-box/subscribe/review")
    with seeded.app_context():
        user = db.session.scalar(select(User).filter_by(email="ji-woo@example.com"))
        assert user is not None and user.name == "Ji-woo Park" and user.email_confirmed_at is None
    assert signed_in_as(client) == "ji-woo@example.com"
    [confirmation] = emails_to(seeded, "ji-woo@example.com", "Confirm your email")  # as registering sends
    assert confirmation
    review = client.get("/culture-box/subscribe/review")
    assert review.status_code == 200 and "Review your subscription" in review.get_data(as_text=True)


def test_an_existing_email_with_its_password_signs_in(seeded, client):
    with seeded.app_context():
        make_user("min-ji@example.com")
    answer = client.post("/culture-box/subscribe", data={**LEEDS, "email": "min-ji@example.com", "password": PASSWORD})
    assert answer.status_code == 302 and answer.location.endswith("/culture-box/subscribe/review")
    assert signed_in_as(client) == "min-ji@example.com"
    with seeded.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_a_wrong_password_says_so_on_its_field_and_keeps_what_was_typed(seeded, client):
    with seeded.app_context():
        make_user("min-ji@example.com")
    answer = client.post(
        "/culture-box/subscribe",
        data={**LEEDS, "plan": "prepaid-3", "email": "min-ji@example.com", "password": "wrong one here"},
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "already has an account, and that is not its password" in page
    assert 'id="password-error"' in page
    assert 'value="min-ji@example.com"' in page and 'value="3 Hanok Road"' in page
    assert re.search(r'value="prepaid-3"\s+checked', page)
    assert "wrong one here" not in page  # a password is never echoed
    assert signed_in_as(client) is None


def test_wrong_passwords_are_rate_limited_like_signing_in(seeded, client):
    seeded.config["ACCOUNTS_SIGN_IN_LIMIT"] = "2 per minute"
    with seeded.app_context():
        make_user("min-ji@example.com")
    wrong = {**LEEDS, "email": "min-ji@example.com", "password": "wrong one here"}
    assert [client.post("/culture-box/subscribe", data=wrong).status_code for _ in range(2)] == [422, 422]
    # The budget is the sign-in page's too: the right password there is refused now.
    assert sign_in(client).status_code == 429


def test_missing_account_fields_are_errors_and_nothing_is_created(seeded, client):
    answer = client.post("/culture-box/subscribe", data=LEEDS)
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Please enter your email address: your account is made with it." in page
    assert "Please enter a password" in page
    assert 'value="3 Hanok Road"' in page
    with seeded.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(User)) == 0


def test_a_weak_password_for_a_new_account_is_refused_on_its_field(seeded, client):
    answer = client.post("/culture-box/subscribe", data={**LEEDS, "email": "new@example.com", "password": "short"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'id="password-error"' in page and 'value="new@example.com"' in page
    with seeded.app_context():
        assert db.session.scalar(select(User).filter_by(email="new@example.com")) is None


def test_an_address_problem_creates_no_account(seeded, client):
    answer = client.post(
        "/culture-box/subscribe", data={**LEEDS, "postcode": "nope", "email": "new@example.com", "password": PASSWORD}
    )
    assert answer.status_code == 422
    with seeded.app_context():
        assert db.session.scalar(select(User).filter_by(email="new@example.com")) is None


@pytest.mark.parametrize(
    "header, country",
    [("ko-KR,ko;q=0.9,en;q=0.8", "KR"), ("en-GB,en;q=0.9", "GB"), ("fr", "GB"), ("fr, de-AT;q=0.5", "AT"), ("", "GB")],
)
def test_the_country_starts_from_the_browser_language(seeded, client, header, country):
    page = client.get("/culture-box/subscribe", headers={"Accept-Language": header}).get_data(as_text=True)
    assert selected_country(page) == country


def test_the_country_chosen_before_wins_over_the_language(seeded, client):
    canada = {**LEEDS, "city": "Toronto", "postcode": "M5V 2T6", "country": "CA", "region": "ON"}
    client.post("/culture-box/subscribe", data={**canada, "email": "new@example.com", "password": PASSWORD})
    # A later visit, in a new session: the cookie remembers the country, and so does checkout.
    client.post("/account/sign-out")
    client.delete_cookie("session")
    page = client.get("/culture-box/subscribe", headers={"Accept-Language": "ko-KR"}).get_data(as_text=True)
    assert selected_country(page) == "CA"


def test_checkout_starts_from_the_same_country(seeded, client):
    with seeded.app_context():
        variant_id = variant("MASK-MIX-30").id
    client.post("/cart/add", data={"variant_id": variant_id, "quantity": 1})
    page = client.get("/checkout", headers={"Accept-Language": "ko-KR"}).get_data(as_text=True)
    assert selected_country(page) == "KR"


def test_a_saved_address_country_wins(seeded, client):
    with seeded.app_context():
        user = make_user("min-ji@example.com")
        make_address(user, line1="1 Rue X", city="Paris", postcode="75001", country="FR", is_default=True)
    sign_in(client)
    page = client.get("/culture-box/subscribe", headers={"Accept-Language": "ko-KR"}).get_data(as_text=True)
    assert selected_country(page) == "FR"


def test_a_plan_from_a_link_wins_over_an_older_choice(seeded, client):
    with seeded.app_context():
        make_user("min-ji@example.com")
    sign_in(client)
    client.post("/culture-box/subscribe", data={**LEEDS, "plan": "prepaid-6"})  # saved: 6 months
    link = client.get("/culture-box/subscribe?plan=monthly")
    # The page opens again at its own address: going back to it later shows the choice made on it.
    assert link.status_code == 302 and link.location == "/culture-box/subscribe"
    page = client.get(link.location).get_data(as_text=True)
    assert re.search(r'value="monthly"\s+checked', page)
    assert 'value="3 Hanok Road"' in page  # the rest of the choice is kept
    assert "Monthly" in client.get("/culture-box/subscribe/review").get_data(as_text=True)


def test_a_plan_from_a_link_is_kept_through_signing_in(seeded, client):
    with seeded.app_context():
        make_user("min-ji@example.com")
    client.get("/culture-box/subscribe?plan=prepaid-12")
    page = client.get("/culture-box/subscribe").get_data(as_text=True)
    assert re.search(r'value="prepaid-12"\s+checked', page)
    sign_in_link = re.search(r'href="(/account/sign-in\?next=[^"]+)"', page).group(1)
    sign_in_page = client.get(sign_in_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "no account needed" not in sign_in_page
    assert "Subscribing needs an account" in sign_in_page
    back = client.post(sign_in_link.replace("&amp;", "&"), data={"email": "min-ji@example.com", "password": PASSWORD})
    page = client.get(back.location, follow_redirects=True).get_data(as_text=True)
    assert re.search(r'value="prepaid-12"\s+checked', page)


def test_an_unknown_plan_in_a_link_is_ignored(seeded, client):
    link = client.get("/culture-box/subscribe?plan=nonsense")
    assert link.status_code == 302
    page = client.get(link.location).get_data(as_text=True)
    assert re.search(r'value="monthly"\s+checked', page)


def test_the_box_product_page_offers_the_plan_buttons_of_the_article_card(seeded, client):
    page = client.get("/products/culture-box").get_data(as_text=True)
    buttons = page[page.index('<form class="plan-buttons"') :]
    buttons = buttons[: buttons.index("</form>")]
    assert 'method="get" action="/culture-box/subscribe"' in buttons
    for code in ("monthly", "prepaid-3", "prepaid-6", "prepaid-12"):
        assert f'name="plan" value="{code}"' in buttons
    assert "gift-3" not in buttons  # gifts have their own page, linked beside the buttons
    assert 'href="/culture-box/gift"' in page


def test_a_weak_new_password_is_said_with_the_address_problems(seeded, client):
    answer = client.post(
        "/culture-box/subscribe", data={**LEEDS, "line1": "", "email": "new@example.com", "password": "short"}
    )
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "Please enter the first line of the address." in page
    assert "Use at least 10 characters." in page


def test_a_visitor_gives_the_box_and_makes_an_account_on_the_gift_page(seeded, client):
    gift = {
        "plan": "gift-3",
        "delivery": "email",
        "name": "Seo-yeon Park",
        "recipient_email": "seo-yeon@example.com",
        "country": "US",
        "gift_from": "Ji-woo",
    }
    page = client.get("/culture-box/gift").get_data(as_text=True)
    assert "Your account" in page and "/account/sign-in?next=/culture-box/gift" in page
    missing = client.post("/culture-box/gift", data=gift)
    assert missing.status_code == 422 and "your account is made with it" in missing.get_data(as_text=True)
    answer = client.post("/culture-box/gift", data={**gift, "email": "ji-woo@example.com", "password": PASSWORD})
    assert answer.status_code == 302 and answer.location.endswith("/culture-box/subscribe/review")
    with seeded.app_context():
        assert db.session.scalar(select(User).filter_by(email="ji-woo@example.com")).name == "Ji-woo"
    assert "seo-yeon@example.com" in client.get("/culture-box/subscribe/review").get_data(as_text=True)


def test_once_signed_in_the_account_fields_are_ignored(seeded, client):
    client.post("/culture-box/subscribe", data={**LEEDS, "email": "new@example.com", "password": PASSWORD})
    # The same browser, signed in now, sends the form again with a stale or odd email.
    again = client.post("/culture-box/subscribe", data={**LEEDS, "email": "not an email", "password": ""})
    assert again.status_code == 302 and again.location.endswith("/culture-box/subscribe/review")
