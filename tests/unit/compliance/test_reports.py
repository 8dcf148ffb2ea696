"""Reports: the 24-month request record with on-time answers, consent rates, data quality and
who viewed which customer."""

from __future__ import annotations

from datetime import timedelta

from portal.compliance import reports, services
from portal.compliance.services import NewRequest
from portal.compliance.services.consent import record_consent
from portal.compliance.values import (
    Channel,
    ConsentChannel,
    ConsentPurpose,
    Jurisdiction,
    RequestType,
)
from portal.models import utcnow


def _receive(officer, days_ago: int, kind=RequestType.ACCESS):
    return services.receive_request(
        officer,
        NewRequest(
            kind, Jurisdiction.GDPR, Channel.EMAIL, utcnow() - timedelta(days=days_ago), "Someone"
        ),
    )


def test_request_record_and_on_time_rate(officer):
    answered = _receive(officer, 3)
    services.deny(officer, answered.id, "Not a customer of ours")
    late = _receive(officer, 40, RequestType.ERASURE)
    services.deny(officer, late.id, "Identity could not be verified")
    _receive(officer, 1)
    old = _receive(officer, 800)
    record = reports.request_record(utcnow().date())
    ids = {row["id"] for row in record}
    assert len(ids) == 3
    assert {answered.id, late.id} <= ids
    assert old.id not in ids  # older than 24 months
    denial = next(row for row in record if row["id"] == late.id)
    assert denial["denial_reason"] == "Identity could not be verified"
    assert denial["on_time"] is False
    by_type = {b.key: b for b in reports.breakdown(record, "type")}
    assert by_type["ACCESS"].count == 2
    assert by_type["ACCESS"].on_time_rate == "100%"
    assert by_type["ERASURE"].on_time_rate == "0%"


def test_consent_rates_count_the_decision_in_force(officer, customer, restaurant):
    for who, granted in ((customer, True), (restaurant, True), (restaurant, False)):
        record_consent(
            officer,
            who.id,
            ConsentPurpose.MARKETING_EMAIL,
            granted=granted,
            channel=ConsentChannel.EMAIL,
            notice_version="v1",
        )
    rates = {row["purpose"]: row for row in reports.consent_rates()}
    assert rates["Marketing e-mail"] == {
        "purpose": "Marketing e-mail",
        "customers_asked": 2,
        "granted": 1,
        "rate": "50%",
    }
    assert rates["Marketing SMS"]["rate"] == "—"


def test_data_quality_and_access_log(everywhere, staff):
    (row,) = reports.data_quality()
    assert row["with_email"] == "100%"
    assert row["with_address"] == "100%"
    viewed = reports.access_log(customer_id=everywhere.id)
    assert any(r["action"] == "customer.viewed" for r in viewed)
    assert reports.access_log(user=staff.email.upper())
    assert reports.access_log(user="nobody@") == []
