import pytest
import sqlalchemy as sa

from portal.customers import services
from portal.customers.models import CustomerPreference, Interaction
from portal.customers.values import InteractionType, Preferences
from portal.domain import DomainError, StaleVersion
from portal.extensions import db
from portal.models import utcnow
from tests.factories import events


def test_update_preferences_emits_one_event_per_changed_category(staff, customer):
    services.update_preferences(
        staff, customer.id, Preferences(channels=("EMAIL",), frequency="WEEKLY", language="en")
    )
    assert sorted(e.payload["preferenceCategory"] for e in events()[1:]) == [
        "COMMUNICATION",
        "LANGUAGE",
    ]
    services.update_preferences(
        staff,
        customer.id,
        Preferences(
            channels=("EMAIL",), frequency="WEEKLY", language="es", product_interests=("rum cake",)
        ),
    )
    latest = events("CustomerPreferencesUpdated")[2:]
    by_category = {e.payload["preferenceCategory"]: e.payload for e in latest}
    assert set(by_category) == {"LANGUAGE", "PRODUCT_INTERESTS"}
    assert by_category["LANGUAGE"]["previousSettings"] == {"language": "en"}
    assert by_category["LANGUAGE"]["newSettings"] == {"language": "es"}
    assert customer.preference.product_interests == ["rum cake"]


def test_invalid_preferences_save_nothing(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.update_preferences(staff, customer.id, Preferences(language="klingon"))
    assert "language" in refused.value.errors
    assert customer.preference is None


def test_record_interaction(staff, customer):
    interaction = services.record_interaction(
        staff, customer.id, InteractionType.SUPPORT_TICKET, "  Late delivery ", details="#42"
    )
    assert interaction.summary == "Late delivery"
    assert interaction.recorded_by == staff.id
    db.session.expire_all()
    assert customer.last_activity_at == interaction.occurred_at


def test_interactions_need_a_summary_and_a_past_time(staff, customer):
    with pytest.raises(DomainError) as refused:
        services.record_interaction(
            staff,
            customer.id,
            InteractionType.NOTE,
            "",
            occurred_at=utcnow().replace(year=utcnow().year + 1),
        )
    assert set(refused.value.errors) == {"summary", "occurred_at"}
    assert db.session.query(Interaction).count() == 0


def test_stale_preferences_are_refused_with_the_current_values(staff, customer):
    services.update_preferences(staff, customer.id, Preferences(language="en"))
    seen = customer.preference.version
    services.update_preferences(staff, customer.id, Preferences(language="es"))
    with pytest.raises(StaleVersion) as refused:
        services.update_preferences(
            staff, customer.id, Preferences(language="fr"), expected_version=seen
        )
    assert refused.value.current["language"] == "es"
    assert customer.preference.language == "es"


def test_two_first_saves_at_once_give_a_stale_version_not_an_error(staff, customer):
    assert customer.preference is None  # what this session saw
    # Another request stores the first preferences meanwhile, unseen by this session's objects.
    db.session.execute(
        sa.insert(CustomerPreference).values(
            customer_id=customer.id,
            channels=[],
            language="es",
            product_interests=[],
            dietary_preferences=[],
            special_dates=[],
            version=1,
        )
    )
    with pytest.raises(StaleVersion):
        services.update_preferences(
            staff, customer.id, Preferences(language="fr"), expected_version=0
        )
