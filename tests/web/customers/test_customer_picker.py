"""The customer picker of the data-subject request forms: the directory search as options,
audited like the directory."""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal.extensions import db
from portal.security.models import AuditEntry
from tests.web.customers.test_directory import register


def test_the_picker_offers_customers_found_by_what_is_typed(client, login_as, staff):
    found = register(staff, "Aaliyah Brown", "aaliyah.giselle@example.org", "+18765550104")
    register(staff, "Desmond Reid", "des@example.org", "+14165550199")
    login_as("compliance_officer")
    fragment = client.get("/customers/pick", query_string={"customer_id": "aaliyah.g"}).text
    assert re.findall(r'data-value="([^"]+)"', fragment) == [found.id]
    assert "<html" not in fragment
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "customer.list_viewed"
    assert client.get("/compliance/requests/new").text.count('role="combobox"') == 1
