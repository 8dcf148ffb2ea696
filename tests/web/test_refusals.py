"""A refusal no view re-renders as a form reaches the one error handler (portal.errors): its
status and its message, as a page, an HTMX fragment or JSON."""

from __future__ import annotations

import re

import pytest

from portal.models import utcnow
from portal.organizations import services
from portal.organizations.ports import LogInvitationSender
from portal.organizations.services import held_at
from tests.unit.organizations.factories import grill_group, role

ALREADY = "This invitation was already used or revoked."


@pytest.fixture
def revoke_url(client, login_as, staff):
    """The Revoke button of a pending invitation, as the members tab renders it."""
    org = grill_group(staff)
    node = org["miami"]
    services.invite(
        staff,
        node.id,
        "new.buyer@grill.example",
        "New Buyer",
        role(org["root"], "Buyer").id,
        held_at(staff, node.organization_id, node.path, utcnow().date()),
        LogInvitationSender(),
        lambda token: f"https://portal.example/organizations/invitations/accept/{token}",
    )
    login_as("sales")
    tab = client.get(f"/organizations/nodes/{node.id}/members")
    assert tab.status_code == 200
    url = re.search(r'action="(/organizations/invitations/[^"]+/revoke)"', tab.text)[1]
    assert client.post(url).status_code == 303
    return url


def test_a_conflict_is_a_409_page_with_its_message(client, revoke_url):
    again = client.post(revoke_url)  # the same button, in a second tab
    assert again.status_code == 409
    assert "<html" in again.text
    assert ALREADY in again.text


def test_a_conflict_is_a_409_fragment_for_htmx(client, revoke_url):
    again = client.post(revoke_url, headers={"HX-Request": "true"})
    assert again.status_code == 409
    assert "<html" not in again.text
    assert ALREADY in again.text


def test_a_conflict_is_a_409_json_error_when_json_is_asked_for(client, revoke_url):
    again = client.post(revoke_url, headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert again.json == {
        "error": {
            "status": 409,
            "title": "Changed meanwhile",
            "detail": ALREADY,
            "problems": [ALREADY],
        }
    }


def test_not_found_is_a_404_with_its_message(client, login_as):
    login_as("compliance_officer")
    missing = client.get("/compliance/exports/no-such-export")
    assert missing.status_code == 404
    assert "No such export." in missing.text
