"""The duplicates pages through the test client: the scan fills the queue, a pair is reviewed,
merged and the merge undone; "not a duplicate" is remembered; the registration form's check;
a merged customer's profile URL and API id lead to the survivor."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.customers import services as customers
from portal.customers.models import Customer
from portal.customers.values import ContactInfo
from portal.duplicates import services
from portal.duplicates.models import CustomerMerge, DuplicateCandidate
from portal.duplicates.values import CandidateStatus, MergeRequest
from portal.extensions import db
from tests.factories import new_customer


@pytest.fixture
def pair(staff):
    first = customers.register_customer(
        staff,
        new_customer(
            name="Marcia Campbell",
            contact=ContactInfo(email="marcia.campbell@example.org", phone="+18765551234"),
        ),
    )
    second = customers.register_customer(
        staff,
        new_customer(
            name="Campbell Marcia",
            contact=ContactInfo(email="Marcia.Campbell@example.org", phone="+18765551234"),
        ),
    )
    customers.register_customer(
        staff,
        new_customer(
            name="Desmond Oyelaran",
            contact=ContactInfo(email="d@example.net", phone="+18765550000"),
        ),
    )
    assert services.scan() == 1
    return first.id, second.id


def _candidate() -> DuplicateCandidate:
    return db.session.scalar(sa.select(DuplicateCandidate))


def test_queue_review_merge_and_undo(client, login_as, pair):
    login_as("sales")
    queue = client.get("/duplicates/")
    assert queue.status_code == 200
    assert "Campbell Marcia" in queue.text
    assert "same phone" in queue.text
    candidate = _candidate()
    review = client.get(f"/duplicates/pairs/{candidate.id}")
    assert review.status_code == 200
    assert "swapped name" in review.text or "name" in review.text
    versions = dict(re.findall(r'name="(\w+_version)" type="hidden" value="(\d+)"', review.text))
    merged = client.post(
        f"/duplicates/pairs/{candidate.id}/merge", data={**versions, "keep_name": "primary"}
    )
    assert merged.status_code == 303
    record = db.session.scalar(sa.select(CustomerMerge))
    assert db.session.get(Customer, record.secondary_id) is None
    # the merged id keeps working
    moved = client.get(f"/customers/{record.secondary_id}")
    assert moved.status_code == 301
    assert record.primary_id in moved.location
    page = client.get(merged.location)
    assert "Undo this merge" in page.text
    undone = client.post(f"/duplicates/merges/{record.id}/undo", data={"version": record.version})
    assert undone.status_code == 303
    db.session.expire_all()
    assert db.session.get(Customer, record.secondary_id) is not None
    assert _candidate().status == CandidateStatus.OPEN


def test_a_refused_undo_says_why_on_the_merge_page(client, login_as, pair):
    user = login_as("sales")
    versions = {c.id: c.version_id for c in db.session.scalars(sa.select(Customer))}
    primary_id, secondary_id = pair
    record = services.merge(
        user,
        MergeRequest(primary_id, secondary_id, versions[primary_id], versions[secondary_id]),
    )
    first = client.post(f"/duplicates/merges/{record.id}/undo", data={"version": record.version})
    assert first.status_code == 303
    stale = client.post(f"/duplicates/merges/{record.id}/undo", data={"version": record.version})
    assert stale.status_code == 409  # the page showed the merge before its undo
    db.session.expire_all()
    again = client.post(f"/duplicates/merges/{record.id}/undo", data={"version": record.version})
    assert again.status_code == 422
    assert "undone already" in again.text
    unversioned = client.post(f"/duplicates/merges/{record.id}/undo", data={})
    assert unversioned.status_code == 422


def test_a_stale_merge_is_refused_and_changes_nothing(client, login_as, pair):
    login_as("sales")
    candidate = _candidate()
    answer = client.post(
        f"/duplicates/pairs/{candidate.id}/merge",
        data={"primary_version": "7", "secondary_version": "1"},
    )
    assert answer.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 3


def test_not_a_duplicate_is_never_proposed_again(client, login_as, pair):
    login_as("sales")
    candidate = _candidate()
    answer = client.post(f"/duplicates/pairs/{candidate.id}/dismiss", data={"version": "1"})
    assert answer.status_code == 303
    services.scan()
    db.session.expire_all()
    (only,) = db.session.scalars(sa.select(DuplicateCandidate)).all()
    assert only.status == CandidateStatus.DISMISSED


def test_the_registration_check_warns_of_a_likely_duplicate(client, login_as, pair):
    login_as("sales")
    answer = client.post(
        "/duplicates/check",
        data={"name": "Marcia Campbel", "email": "marcia.campbell@example.org", "phone": ""},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert "This looks like" in answer.text
    assert "Marcia Campbell" in answer.text
    nobody = client.post(
        "/duplicates/check",
        data={"name": "Ann Other", "email": "ann@example.com", "phone": ""},
        headers={"HX-Request": "true"},
    )
    assert "This looks like" not in nobody.text


def test_the_pages_need_customer_manage(client, login_as, pair):
    login_as("marketing")
    assert client.get("/duplicates/").status_code == 403
