"""What the portal relies on from htmx-flask and portal.htmx, so that an upgrade or a swap of
the library shows here first: which requests count as HTMX, page or block, the headers views
read, and where the browser goes after a post."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import request, url_for
from htmx_flask import make_response as hx_response

from portal.htmx import is_htmx, redirect_after_post, render

HTMX = {"HX-Request": "true"}
PAGE = {"title": "Probe", "message": "Hello from the probe"}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        (HTMX, True),
        ({"HX-Request": "false"}, False),
        # Boosted navigation and a history restore replace the whole page.
        ({**HTMX, "HX-Boosted": "true"}, False),
        ({**HTMX, "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_only_a_request_that_swaps_a_part_counts_as_htmx(app, headers, expected):
    with app.test_request_context("/", headers=headers):
        assert is_htmx() is expected


def test_views_read_the_target_and_the_trigger_from_the_request(app):
    headers = {
        **HTMX,
        "HX-Target": "results",
        "HX-Trigger": "name-input",
        "HX-Trigger-Name": "name",
        "HX-Current-URL": "http://localhost/customers/?q=ab",
    }
    with app.test_request_context("/", headers=headers):
        assert bool(request.htmx)
        assert request.htmx.target == "results"
        assert request.htmx.trigger == "name-input"
        assert request.htmx.trigger_name == "name"
        assert request.htmx.current_url == "http://localhost/customers/?q=ab"
    with app.test_request_context("/"):
        assert not request.htmx
        assert request.htmx.target is request.htmx.trigger_name is None


def test_a_browser_gets_the_page_and_htmx_only_the_block(app):
    with app.test_request_context("/"):
        page = render("errors/error.html", status=422, **PAGE)
    with app.test_request_context("/", headers=HTMX):
        fragment = render("errors/error.html", status=422, **PAGE)
        title = render("errors/error.html", block="title", **PAGE)
    assert page.status_code == fragment.status_code == 422
    assert "<html" in text(page)
    assert PAGE["message"] in text(page)
    assert text(fragment).lstrip().startswith('<section class="error-page"')
    assert PAGE["message"] in text(fragment)
    assert "<html" not in text(fragment)
    assert title.status_code == 200
    assert text(title) == "Probe · EFI Customer Portal"
    # Caches keep the two answers of one URL apart.
    for response in (page, fragment, title):
        assert "HX-Request" in response.vary


def test_a_boosted_request_gets_the_whole_page(app):
    with app.test_request_context("/", headers={**HTMX, "HX-Boosted": "true"}):
        page = render("errors/error.html", **PAGE)
    assert "<html" in text(page)


def test_after_a_plain_post_the_browser_is_sent_on_with_303(app):
    with app.test_request_context("/", method="POST"):
        response = redirect_after_post("customers.customer_list", q="ab")
        target = url_for("customers.customer_list", q="ab")
    assert response.status_code == 303
    assert response.location == target
    assert not [name for name, _ in response.headers if name.startswith("HX-")]


def test_after_an_htmx_post_htmx_swaps_the_next_page_into_main(app):
    with app.test_request_context("/", method="POST", headers=HTMX):
        response = redirect_after_post("customers.customer_list", q="ab")
        target = url_for("customers.customer_list", q="ab")
    # 204: htmx follows HX-Location itself; a 3xx would be followed by the browser's fetch.
    assert response.status_code == 204
    assert "Location" not in response.headers
    assert json.loads(response.headers["HX-Location"]) == {"path": target, "target": "#main"}


def test_hx_response_sets_the_headers_the_areas_use(app):
    # HX-Redirect: the approvals' and segmentation's "whole page next", and an expired session.
    with app.test_request_context("/"):
        whole = hx_response("", 204, redirect="/approvals/")
        located = hx_response("", 204, location={"path": "/x", "target": "#main"})
    assert whole.status_code == 204
    assert whole.headers["HX-Redirect"] == "/approvals/"
    assert json.loads(located.headers["HX-Location"]) == {"path": "/x", "target": "#main"}


def test_an_expired_session_sends_htmx_to_sign_in_and_back_to_the_page_it_was_on(client):
    response = client.get(
        "/customers/?q=ab",
        headers={
            **HTMX,
            "HX-Target": "results",
            "HX-Current-URL": "http://localhost/customers/?q=ab",
        },
    )
    # 401, not a 302 that htmx would follow and swap the sign-in page into a fragment.
    assert response.status_code == 401
    sign_in = urlsplit(response.headers["HX-Redirect"])
    assert sign_in.path == "/auth/sign-in"
    assert parse_qs(sign_in.query) == {"next": ["/customers/?q=ab"]}
