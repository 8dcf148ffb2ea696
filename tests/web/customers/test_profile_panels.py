"""The profile brings in what other areas know about the customer: segment and consent."""

from __future__ import annotations

from portal.segmentation import services as segmentation


def test_header_shows_the_primary_segment(client, login_as, customer):
    user = login_as("marketing")
    segmentation.recompute_all(user.id)
    page = client.get(f"/customers/{customer.id}").text
    assert "data-segment=" in page


def test_segment_tab_loads_the_segmentation_panel(client, login_as, customer):
    login_as("sales")
    tab = client.get(
        f"/customers/{customer.id}?tab=segment",
        headers={"HX-Request": "true", "HX-Target": "profile-tabs"},
    )
    assert tab.status_code == 200
    assert f"/segments/customers/{customer.id}" in tab.text
    panel = client.get(f"/segments/customers/{customer.id}", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert "<html" not in panel.text


def test_consent_tab_only_for_compliance(client, login_as, customer):
    login_as("sales")
    page = client.get(f"/customers/{customer.id}?tab=consent").text
    assert "/consent" not in page
    assert 'aria-current="page">Overview' in page


def test_compliance_officer_sees_the_preference_centre(client, login_as, customer):
    login_as("compliance_officer")
    page = client.get(f"/customers/{customer.id}?tab=consent").text
    assert f"/compliance/customers/{customer.id}/consent" in page
    panel = client.get(
        f"/compliance/customers/{customer.id}/consent", headers={"HX-Request": "true"}
    )
    assert panel.status_code == 200
