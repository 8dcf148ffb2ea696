"""Every GET page of approvals, with real ids, as each kind of person who uses them, as a whole
page and as the fragment an HTMX request receives: never a 5xx."""

from __future__ import annotations

import pytest

from portal.approvals import services
from portal.approvals.values import Decision
from portal.models import utcnow
from tests.conftest import sign_in_client
from tests.unit.approvals.factories import po, po_rule, roles, tier

HX = {"HX-Request": "true"}


@pytest.fixture
def urls(staff, org, people, restaurant, make_user):
    """A URL for every GET route of the blueprint, with the HTMX targets its pages use."""
    today = utcnow().date()
    services.delegate(people["approver"], org["root"].id, people["admin"].id, today, today)
    services.delegate(make_user("finance"), None, staff.id, today, today)
    rule = po_rule(staff, org["east"], tier(roles(org["root"], "Approver")))
    pending = services.submit(people["buyer"], org["miami"].id, po(750_000), rates={})
    changes = services.submit(
        people["buyer"], org["miami"].id, po(800_000, description="Fryer"), rates={}
    )
    services.decide(
        people["approver"], changes.id, Decision.REQUEST_CHANGES, "Less", round_=1, tier=0
    )
    terms = services.request_payment_terms(staff, restaurant.id, "NET_60")
    return {
        "approvals.delegation_list": [
            "/approvals/delegations",
            f"/approvals/delegations?organization={org['root'].id}",
        ],
        "approvals.queue": [f"/approvals/?queue={q}" for q in ("waiting", "mine", "all")],
        "approvals.queue_count": ["/approvals/count"],
        "approvals.request_detail": [
            f"/approvals/requests/{r.id}" for r in (pending, changes, terms)
        ],
        "approvals.decide_dialog": [
            f"/approvals/requests/{r.id}/decide?decision={d}"
            for r in (pending, terms)
            for d in Decision
        ],
        "approvals.rule_list": [f"/approvals/nodes/{org['east'].id}/rules"],
        "approvals.rule_create": [f"/approvals/nodes/{org['east'].id}/rules/new"],
        "approvals.rule_edit": [f"/approvals/rules/{rule.id}/edit"],
        "approvals.purchase_order_new": [f"/approvals/nodes/{org['miami'].id}/purchase-orders/new"],
        "approvals.request_edit": [f"/approvals/requests/{changes.id}/edit"],
        "approvals.payment_terms_change": [f"/approvals/customers/{restaurant.id}/payment-terms"],
    }


HEADERS = (
    {},
    HX,
    {**HX, "HX-Target": "approval-results"},
    {**HX, "HX-Target": "rule-editor"},
)


def test_no_approval_page_answers_a_server_error(app, client, urls, people, staff, make_user):
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("approvals.") and "GET" in rule.methods
    }
    assert routes == set(urls), "every GET route is crawled"
    everyone = [*people.values(), staff, make_user("finance"), make_user("administrator")]
    failures = []
    for user in everyone:
        sign_in_client(client, user)
        for pages in urls.values():
            for url in pages:
                for headers in HEADERS:
                    status = client.get(url, headers=headers).status_code
                    if status >= 500:
                        failures.append((user.email, url, headers, status))
    assert failures == []


def test_editing_after_changes_as_an_htmx_fragment(client, urls, people):
    sign_in_client(client, people["buyer"])
    (edit,) = urls["approvals.request_edit"]
    fragment = client.get(edit, headers=HX)
    assert fragment.status_code == 200
    assert "Edit and resubmit: Fryer" in fragment.text
    assert "<html" not in fragment.text
