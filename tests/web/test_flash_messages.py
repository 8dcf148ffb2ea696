"""Every action says what it did: a message in the page's status region after registering a
customer, a compliance step, a recompute, revoking a token or stopping a webhook."""

from __future__ import annotations

import re

from portal.api import tokens
from portal.events import webhooks
from tests.web.customers.test_profile import registration


def messages(page: str) -> list[str]:
    region = re.search(r'<div id="flashes" class="flashes" role="status">(.*?)</div>', page, re.S)
    assert region, "the status region is on every page"
    return re.findall(r'<p class="flash[^"]*">(.*?)</p>', region[1], re.S)


def test_the_status_region_is_on_the_page_before_any_message(client, login_as):
    login_as("sales")
    assert messages(client.get("/customers/").text) == []


def test_registering_a_customer_says_so_on_the_profile(client, login_as):
    login_as("sales")
    response = client.post("/customers/new", data=registration(), follow_redirects=True)
    assert messages(response.text) == ["Marcia Campbell is registered."]


def test_a_background_request_answered_between_a_post_and_its_page_leaves_the_message(
    client, login_as
):
    """The duplicate check fires as the form's last field changes, so it can be answered after
    the registration and before the profile it redirects to: the message waits for the page."""
    login_as("sales")
    response = client.post("/customers/new", data=registration())
    check = client.post(
        "/duplicates/check",
        data=registration(),
        headers={"HX-Request": "true", "HX-Target": "duplicate-warning"},
    )
    assert check.status_code == 200
    assert "is registered." not in check.text
    page = client.get(response.headers["Location"]).text
    assert messages(page) == ["Marcia Campbell is registered."]


def test_after_an_htmx_post_the_message_comes_out_of_band(client, login_as):
    login_as("sales")
    response = client.post("/customers/new", data=registration(), headers={"HX-Request": "true"})
    location = response.headers["HX-Location"]
    assert location
    path = re.search(r'"path": ?"([^"]+)"', location)[1]
    page = client.get(path, headers={"HX-Request": "true", "HX-Target": "main"}).text
    assert 'id="flashes"' in page
    assert 'hx-swap-oob="true"' in page
    assert "Marcia Campbell is registered." in page


def test_a_recompute_says_how_many_moved(client, login_as):
    login_as("marketing")
    response = client.post("/segments/recompute", follow_redirects=True)
    assert any(m.startswith("Segments recomputed:") for m in messages(response.text))


def test_revoking_a_token_and_stopping_a_webhook_say_so(client, login_as):
    admin = login_as("administrator")
    token, _ = tokens.issue(admin, "Shop sync", ["customers:read"])
    page = client.post(
        f"/admin/integrations/tokens/{token.id}/revoke",
        data={"confirm": "yes"},
        follow_redirects=True,
    )
    assert any("Shop sync" in m and "revoked" in m for m in messages(page.text))
    subscription, _ = webhooks.subscribe(admin, "https://hooks.example/x", ["CustomerRegistered"])
    page = client.post(
        f"/admin/integrations/webhooks/{subscription.id}/stop",
        data={"confirm": "yes"},
        follow_redirects=True,
    )
    assert any("https://hooks.example/x" in m for m in messages(page.text))
