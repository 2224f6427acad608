"""Culture Box subscriptions in the account: listed, exported, and what deleting the
account does to them (refused while one runs; ended ones are anonymised)."""

import json
from datetime import date

from sqlalchemy import select

from shop.accounts import models as account_models
from shop.extensions import db
from shop.subscriptions.models import Subscription, SubscriptionStatus

from ..box_factories import make_subscription
from .factories import PASSWORD, make_user, sign_in


def subscription_for(user, status: SubscriptionStatus) -> int:
    subscription = make_subscription("monthly", first_month=date(2027, 1, 1), name="Min-ji Kim")
    subscription.user_id = user.id
    subscription.status = status
    db.session.commit()
    return subscription.id


def test_the_account_lists_my_subscriptions_and_the_export_has_them(seeded, client):
    with seeded.app_context():
        user = make_user()
        subscription_for(user, SubscriptionStatus.ACTIVE)
        make_subscription("monthly", first_month=date(2027, 1, 1), name="Someone Else")
    sign_in(client)
    page = client.get("/account").text
    assert 'id="subscriptions-title">My subscriptions' in page
    assert "to Min-ji Kim, Leeds" in page and "Someone Else" not in page
    assert '<span class="status status--active">Active</span>' in page
    [exported] = json.loads(client.get("/account/data").text)["subscriptions"]
    assert exported["status"] == "active" and exported["first_month"] == "2027-01-01"
    assert exported["ship_to"]["name"] == "Min-ji Kim"


def test_an_account_with_a_running_subscription_cannot_be_deleted_yet(seeded, client):
    with seeded.app_context():
        user = make_user()
        subscription_for(user, SubscriptionStatus.ACTIVE)
    sign_in(client)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 200
    assert "still running" in response.text
    assert client.get("/account").status_code == 200


def test_deleting_the_account_anonymises_ended_subscriptions(seeded, client):
    with seeded.app_context():
        user = make_user()
        ended_id = subscription_for(user, SubscriptionStatus.ENDED)
    sign_in(client)
    assert client.post("/account/delete", data={"password": PASSWORD}).status_code == 302
    with seeded.app_context():
        ended = db.session.get(Subscription, ended_id)
        assert ended.user_id is None
        assert ended.email == account_models.ANONYMISED_EMAIL and ended.ship_name == account_models.ANONYMISED_NAME
        assert ended.ship_line1 == "[removed]" and ended.ship_postcode == "" and ended.ship_country == "GB"
        assert db.session.scalar(select(Subscription).where(Subscription.email == "min-ji@example.com")) is None
