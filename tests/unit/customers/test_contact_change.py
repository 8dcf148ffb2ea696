"""A new primary e-mail/phone waits for the code sent to it."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import PendingContactChange
from portal.customers.values import CODE_MAX_ATTEMPTS, ContactField
from portal.domain import DomainError, StaleVersion
from portal.extensions import db
from portal.models import utcnow
from tests.factories import events


class Outbox:
    """A Notifier that keeps what it was asked to send."""

    def __init__(self):
        self.sent = []

    def send_verification_code(self, **message):
        self.sent.append(message)


@pytest.fixture
def requested(staff, customer):
    outbox = Outbox()
    services.request_contact_change(
        staff, customer.id, ContactField.EMAIL, "new@example.org", notifier=outbox
    )
    return outbox.sent[0]["code"]


def test_the_change_waits_for_the_right_code(staff, customer, requested):
    assert customer.email == "marcia@example.org"
    (sent,) = events("VerificationCodeSent")
    assert sent.payload["destination"] == "n***@example.org"
    assert requested not in str(sent.payload)
    stored = db.session.scalar(sa.select(PendingContactChange.code_hash))
    assert requested not in stored

    services.confirm_contact_change(staff, customer.id, ContactField.EMAIL, requested)
    assert customer.email == "new@example.org"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PendingContactChange)) == 0
    (updated,) = events("CustomerUpdated")
    assert updated.payload == {
        "customerId": customer.id,
        "modifiedFields": ["email"],
        "previousValues": {"email": "marcia@example.org"},
        "newValues": {"email": "new@example.org"},
    }


def test_wrong_codes_count_attempts_up_to_the_limit(staff, customer, requested):
    wrong = "000000" if requested != "000000" else "111111"
    for attempt in range(1, CODE_MAX_ATTEMPTS + 1):
        with pytest.raises(DomainError) as refused:
            services.confirm_contact_change(staff, customer.id, ContactField.EMAIL, wrong)
        assert refused.value.errors == {"code": ["That code is not right."]}
        assert db.session.scalar(sa.select(PendingContactChange.attempts)) == attempt
    with pytest.raises(DomainError) as refused:
        services.confirm_contact_change(staff, customer.id, ContactField.EMAIL, requested)
    assert refused.value.errors == {"code": ["Too many wrong codes; request a new one."]}
    db.session.expire_all()
    assert customer.email == "marcia@example.org"


def test_an_expired_code_is_refused(staff, customer, requested):
    later = utcnow() + timedelta(minutes=16)
    with pytest.raises(DomainError) as refused:
        services.confirm_contact_change(
            staff, customer.id, ContactField.EMAIL, requested, now=later
        )
    assert refused.value.errors == {"code": ["The code has expired; request a new one."]}


def test_no_pending_change_and_invalid_new_values(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.confirm_contact_change(staff, customer.id, ContactField.PHONE, "123456")
    assert "code" in refused.value.errors
    with pytest.raises(DomainError) as refused:
        services.request_contact_change(
            staff, customer.id, ContactField.PHONE, "555-1234", notifier=Outbox()
        )
    assert "phone" in refused.value.errors
    with pytest.raises(DomainError) as refused:
        services.request_contact_change(
            staff, customer.id, ContactField.PHONE, customer.phone, notifier=Outbox()
        )
    assert "phone" in refused.value.errors
    assert events("VerificationCodeSent") == []


def test_a_new_request_replaces_the_pending_one(staff, customer, requested):
    outbox = Outbox()
    services.request_contact_change(
        staff, customer.id, ContactField.EMAIL, "other@example.org", notifier=outbox
    )
    (pending,) = db.session.scalars(sa.select(PendingContactChange))
    assert pending.new_value == "other@example.org"
    services.confirm_contact_change(staff, customer.id, ContactField.EMAIL, outbox.sent[0]["code"])
    assert customer.email == "other@example.org"


def test_the_log_notifier_shows_the_code_only_in_development(app, staff, customer, caplog):
    caplog.set_level("DEBUG")
    app.config["ENV_NAME"] = "production"
    try:
        services.request_contact_change(staff, customer.id, ContactField.PHONE, "+14165550123")
    finally:
        app.config["ENV_NAME"] = "test"
    # Outside development no log line holds the new value or the code.
    assert caplog.records
    assert not any("4165550123" in record.getMessage() for record in caplog.records)
    assert not any(record.getMessage()[-6:].isdigit() for record in caplog.records)
    app.config["ENV_NAME"] = "development"
    try:
        services.request_contact_change(staff, customer.id, ContactField.PHONE, "+14165550124")
    finally:
        app.config["ENV_NAME"] = "test"
    assert caplog.records[-1].getMessage()[-6:].isdigit()


def test_two_first_requests_at_once_give_a_stale_version_not_an_error(staff, customer, monkeypatch):
    real_get = db.session.get

    def get_then_race(model, key, **options):
        """Finds no pending change; the other request stores its own right after."""
        found = real_get(model, key, **options)
        if model is PendingContactChange:
            monkeypatch.setattr(db.session, "get", real_get)
            db.session.execute(
                sa.insert(PendingContactChange).values(
                    customer_id=customer.id,
                    field=ContactField.EMAIL,
                    new_value="first@example.org",
                    code_hash="0" * 64,
                    expires_at=utcnow() + timedelta(minutes=5),
                    attempts=0,
                    requested_by=staff.id,
                    version=1,
                )
            )
        return found

    monkeypatch.setattr(db.session, "get", get_then_race)
    with pytest.raises(StaleVersion):
        services.request_contact_change(
            staff,
            customer.id,
            ContactField.EMAIL,
            "second@example.org",
            expected_version=0,
            notifier=Outbox(),
        )
