"""The validation rules page: customer:manage only, 422 with the message at the pattern or
checkbox, a preview that answers at once, counts in a second request and saves nothing,
versions saved once per form, and the rules enforced at registration with the message next to
the field."""

import sqlalchemy as sa

from portal.customers.models import ValidationRuleVersion
from portal.extensions import db
from portal.security.models import AuditEntry
from tests.web.customers.test_profile import error_at, registration

PAGE = "/customers/validation-rules"
RULES = {
    "required_DIASPORA_COMMUNITY": ["alternative_phone"],
    "patterns-0-field": "email",
    "patterns-0-customer_type": "",
    "patterns-0-pattern": r"[a-z]+@example\.org",
    "patterns-0-message": "Use an example.org address.",
    "note": "Call centre needs a second phone",
}


def versions() -> list[ValidationRuleVersion]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ValidationRuleVersion)))


def test_only_customer_managers_open_and_save(client, login_as):
    login_as("finance")
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=RULES).status_code == 403
    assert client.post(f"{PAGE}/preview", data=RULES).status_code == 403
    assert not versions()
    login_as("support")
    assert client.get(PAGE).status_code == 200


def test_preview_answers_at_once_counts_after_and_saves_nothing(client, login_as, customer):
    login_as("support")
    answer = client.post(f"{PAGE}/preview", data=RULES)
    assert answer.status_code == 200
    assert "Counting the existing customers these rules would fail" in answer.text
    assert f'hx-post="{PAGE}/preview/count"' in answer.text
    assert "would fail <strong>" not in answer.text  # no scan before the page answers
    count = client.post(f"{PAGE}/preview/count", data=RULES, headers={"HX-Request": "true"})
    assert count.status_code == 200
    assert "would fail <strong>1</strong> open account existing now" in count.text
    assert "<form" not in count.text  # the count alone, into the page's placeholder
    whole = client.post(f"{PAGE}/preview/count", data=RULES)  # without JavaScript
    assert "would fail <strong>1</strong> open account existing now" in whole.text
    assert 'id="rules-form"' in whole.text
    assert not versions()


def test_a_count_of_rules_gone_wrong_is_422_in_the_placeholder(client, login_as):
    login_as("support")
    bad = RULES | {"patterns-0-pattern": "(a+)+"}
    count = client.post(f"{PAGE}/preview/count", data=bad, headers={"HX-Request": "true"})
    assert count.status_code == 422
    assert "These rules cannot be counted" in count.text
    assert client.post(f"{PAGE}/preview/count", data=RULES).status_code == 200
    login_as("finance")
    assert client.post(f"{PAGE}/preview/count", data=RULES).status_code == 403


def test_an_unsafe_pattern_is_422_at_its_row_and_nothing_saved(client, login_as):
    login_as("support")
    for url in (PAGE, f"{PAGE}/preview"):
        answer = client.post(url, data=RULES | {"patterns-0-pattern": "(a+)+"})
        assert answer.status_code == 422
        assert "exponential" in error_at(answer.text, "patterns-0-pattern")
    answer = client.post(PAGE, data=RULES | {"patterns-0-field": "", "note": "n" * 201})
    assert answer.status_code == 422
    assert "200" in error_at(answer.text, "note")
    answer = client.post(PAGE, data=RULES | {"required_EXPAT": ["cultural_affinity"]})
    assert answer.status_code == 422  # not a choice for that type
    assert not versions()


def test_saving_makes_one_version_per_form_and_is_audited(client, login_as, customer):
    user = login_as("support")
    token = {"form_token": "b" * 32}
    first = client.post(PAGE, data=RULES | token)
    assert first.status_code == 303
    assert client.post(PAGE, data=RULES | token).status_code == 303
    (saved,) = versions()
    assert saved.created_by == user.id
    assert saved.failing["total"] == 1
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "customer.validation_rules")
    )
    assert entry.record_id == "1"
    page = client.get(PAGE).text
    assert "Version 1" in page
    assert user.name in page


def test_registration_shows_the_configured_rule_next_to_the_field(client, login_as):
    login_as("support")
    client.post(PAGE, data=RULES)
    answer = client.post("/customers/new", data=registration(email="Marcia@Elsewhere.com"))
    assert answer.status_code == 422
    assert error_at(answer.text, "email") == "Use an example.org address."
    assert "data rules" in error_at(answer.text, "alternative_phone")
    good = registration(email="marcia@example.org", alternative_phone="+18765550000")
    assert client.post("/customers/new", data=good).status_code == 303
