"""The request lifecycle: intake, verification before work, denial reasons, one timely
extension, the timeline and audit of every move; exports cover every category."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.compliance import services
from portal.compliance.export import path_of
from portal.compliance.services import NewRequest
from portal.compliance.values import Channel, Jurisdiction, RequestStatus, RequestType
from portal.domain import DomainError, NotFound
from portal.extensions import db
from portal.models import utcnow
from portal.security.models import AuditEntry


def _receive(officer, kind=RequestType.ACCESS, jurisdiction=Jurisdiction.GDPR, **fields):
    return services.receive_request(
        officer,
        NewRequest(
            kind,
            jurisdiction,
            fields.pop("channel", Channel.EMAIL),
            fields.pop("received_at", utcnow()),
            fields.pop("requester_name", "Unknown Person"),
            **fields,
        ),
    )


def test_a_request_for_an_unknown_person_is_received_and_audited(officer):
    request = _receive(officer, channel=Channel.LETTER, requester_email="who@example.org")
    assert request.status is RequestStatus.RECEIVED
    assert request.customer_id is None
    assert [e.kind for e in request.events] == ["received"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dsar.received")).one()
    assert entry.record_id == request.id
    assert "who@example.org" not in entry.summary + json.dumps(entry.details)


def test_no_work_before_verification_but_the_clock_runs_from_receipt(officer):
    received = utcnow() - timedelta(days=5)
    request = _receive(officer, received_at=received)
    with pytest.raises(DomainError):
        services.change_status(officer, request.id, RequestStatus.IN_PROGRESS)
    services.change_status(officer, request.id, RequestStatus.VERIFYING, "Asked for ID")
    verified = services.verify_identity(officer, request.id, "Passport", "Copy checked")
    assert verified.status is RequestStatus.IN_PROGRESS
    assert verified.received_at == received


def test_denial_needs_a_reason(officer):
    request = _receive(officer)
    with pytest.raises(DomainError) as refused:
        services.deny(officer, request.id, "  ")
    assert "reason" in refused.value.errors
    denied = services.deny(officer, request.id, "Manifestly unfounded: repeated request")
    assert denied.status is RequestStatus.DENIED
    assert denied.denial_reason == "Manifestly unfounded: repeated request"
    with pytest.raises(DomainError):
        services.change_status(officer, request.id, RequestStatus.IN_PROGRESS)


def test_gdpr_extension_once_with_a_reason_before_the_first_month_ends(officer):
    request = _receive(officer)
    with pytest.raises(DomainError):
        services.extend(officer, request.id, "")
    extended = services.extend(officer, request.id, "Complex: records in three systems")
    assert extended.status is RequestStatus.EXTENDED
    assert extended.events[-1].note.startswith("Complex")
    with pytest.raises(DomainError):
        services.extend(officer, request.id, "Again")


def test_no_extension_after_the_first_month(officer):
    request = _receive(officer, received_at=utcnow() - timedelta(days=40))
    with pytest.raises(DomainError) as refused:
        services.extend(officer, request.id, "Too late")
    assert "had to be decided" in str(refused.value.errors)


def test_internal_policy_requests_are_never_extended(officer):
    request = _receive(officer, jurisdiction=Jurisdiction.INTERNAL)
    with pytest.raises(DomainError):
        services.extend(officer, request.id, "Busy")


def test_export_contains_every_category_with_art15_facts_and_no_tax_id(officer, everywhere):
    request = _receive(officer, customer_id=everywhere.id)
    services.verify_identity(officer, request.id, "ID card", "Seen")
    export = services.create_export(officer, request.id)
    archive = zipfile.ZipFile(io.BytesIO(path_of(export).read_bytes()))
    names = set(archive.namelist())
    expected = {
        "identity",
        "contact",
        "addresses",
        "preferences",
        "interactions",
        "orders",
        "segments",
        "consent",
        "events",
        "access_log",
        "requests",
    }
    assert {
        n.removeprefix("json/").removesuffix(".json") for n in names if n.startswith("json/")
    } == expected
    assert {"summary.html", "art15.json", "csv/customer.csv"} <= names
    facts = json.loads(archive.read("art15.json"))
    assert facts["ADDRESSES"]["recipients"]
    everything = b"".join(archive.read(n) for n in names).decode()
    assert everywhere.tax_id not in everything
    assert everywhere.email in everything
    identity = json.loads(archive.read("json/identity.json"))
    assert identity["customer"][0]["tax_id"] == "***"
    access_log = json.loads(archive.read("json/access_log.json"))
    assert any(row["action"] == "customer.viewed" for row in access_log["audit_entry"])

    services.record_download(officer, export.id)
    export.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(NotFound):
        services.record_download(officer, export.id)


def test_completing_an_access_request_needs_its_export(officer, everywhere):
    request = _receive(officer, customer_id=everywhere.id)
    services.verify_identity(officer, request.id, "ID card", "Seen")
    with pytest.raises(DomainError):
        services.complete(officer, request.id, "Sent")
    services.create_export(officer, request.id)
    done = services.complete(officer, request.id, "Sent by e-mail")
    assert done.status is RequestStatus.COMPLETED
    assert [e.kind for e in done.events] == [
        "received",
        "verified",
        "export_created",
        "completed",
    ]
