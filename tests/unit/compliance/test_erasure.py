"""Erasure: every table is covered by the registry, and after a FULL erasure no table of the
database (nor any export on disk) holds a trace of the person."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.compliance import services
from portal.compliance.services import NewRequest
from portal.compliance.values import (
    Channel,
    CompletionStatus,
    DataCategory,
    ErasureScope,
    Jurisdiction,
    RequestStatus,
    RequestType,
)
from portal.domain import DomainError
from portal.models import utcnow
from tests.conftest import DEFAULT_PASSWORD
from tests.factories import events
from tests.unit.compliance.erasure_check import dump_database


def _erasure_request(officer, person, **overrides):
    fields = {
        "request_type": RequestType.ERASURE,
        "jurisdiction": Jurisdiction.GDPR,
        "channel": Channel.EMAIL,
        "received_at": utcnow() - timedelta(days=2),
        "requester_name": person.name,
        "requester_email": person.email,
        "customer_id": person.id,
        "description": f"Please delete everything about {person.name}",
    }
    fields.update(overrides)
    request = services.receive_request(officer, NewRequest(**fields))
    return services.verify_identity(
        officer, request.id, "E-mail from the address on file", f"Reply from {person.email}"
    )


def test_full_erasure_leaves_no_trace_in_any_table(officer, second_officer, everywhere, export_dir):
    access = services.receive_request(
        officer,
        NewRequest(
            RequestType.ACCESS,
            Jurisdiction.GDPR,
            Channel.EMAIL,
            utcnow(),
            everywhere.name,
            customer_id=everywhere.id,
        ),
    )
    services.verify_identity(officer, access.id, "ID card", "Seen at the counter")
    services.create_export(officer, access.id)
    before = dump_database()
    for trace in everywhere.traces[:-1]:  # the tax id is stored encrypted
        assert trace.lower() in before.lower(), trace

    request = _erasure_request(officer, everywhere)
    services.plan_erasure(officer, request.id, ErasureScope.FULL, [])
    services.approve_erasure(second_officer, request.id)
    done = services.execute_erasure(officer, request.id, DEFAULT_PASSWORD)

    dump = dump_database().lower()
    for trace in everywhere.traces:
        assert trace.lower() not in dump, trace
    assert "blackwood" not in dump
    assert list(export_dir.iterdir()) == []
    assert done.status is RequestStatus.COMPLETED
    # The order is kept under the bookkeeping obligation, so the erasure is PARTIAL.
    assert done.completion_status is CompletionStatus.PARTIAL
    retained = [line for line in done.receipt["lines"] if line["action"] == "retained"]
    assert {line["table"] for line in retained} >= {"customer_order", "consent_record"}
    assert all(line.get("basis") for line in retained)
    (purged,) = events("CustomerDataPurgedByAdmin")
    assert purged.payload["purgeType"] == "FULL"
    assert purged.payload["completionStatus"] == "PARTIAL"
    assert purged.payload["retentionRecordId"] == request.id


def test_partial_erasure_touches_only_the_chosen_categories(officer, everywhere):
    request = _erasure_request(officer, everywhere)
    services.plan_erasure(officer, request.id, ErasureScope.PARTIAL, [DataCategory.ADDRESSES])
    done = services.execute_erasure(officer, request.id, DEFAULT_PASSWORD)
    dump = dump_database().lower()
    assert everywhere.street.lower() not in dump
    assert everywhere.email.lower() in dump
    assert done.completion_status is CompletionStatus.SUCCESS


def test_full_erasure_needs_a_second_officer_and_the_password(officer, second_officer, everywhere):
    request = _erasure_request(officer, everywhere)
    services.plan_erasure(officer, request.id, ErasureScope.FULL, [])
    with pytest.raises(DomainError):
        services.approve_erasure(officer, request.id)
    with pytest.raises(DomainError):
        services.execute_erasure(officer, request.id, DEFAULT_PASSWORD)
    services.approve_erasure(second_officer, request.id)
    with pytest.raises(DomainError) as refused:
        services.execute_erasure(officer, request.id, "wrong password")
    assert "password" in refused.value.errors
    assert everywhere.email in dump_database()


def test_erasure_waits_for_identity_verification(officer, everywhere):
    request = services.receive_request(
        officer,
        NewRequest(
            RequestType.ERASURE,
            Jurisdiction.CCPA,
            Channel.PHONE,
            utcnow(),
            "Caller",
            customer_id=everywhere.id,
        ),
    )
    with pytest.raises(DomainError):
        services.plan_erasure(officer, request.id, ErasureScope.PARTIAL, [DataCategory.CONTACT])
