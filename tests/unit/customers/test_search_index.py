"""The search index: the terms a customer is found by, and rows that follow every change."""

from __future__ import annotations

import sqlalchemy as sa

from portal.customers import search_index, services
from portal.customers.models import customer_search_term
from portal.customers.values import ContactField, ContactInfo, CustomerType
from portal.extensions import db
from tests.factories import new_customer
from tests.unit.customers.test_contact_change import Outbox
from tests.unit.customers.test_profile_services import changes


def stored_terms(customer_id: str) -> set[str]:
    return set(
        db.session.scalars(
            sa.select(customer_search_term.c.term).where(
                customer_search_term.c.customer_id == customer_id
            )
        )
    )


def register(staff, name="Anne-Marie O'Brien", email="amob@Hotel.example", phone="+18765551234"):
    contact = ContactInfo(email=email, phone=phone)
    return services.register_customer(
        staff, new_customer(CustomerType.DIASPORA_COMMUNITY, name=name, contact=contact)
    )


def test_words_fold_case_and_accents_and_keep_joined_forms():
    assert search_index.words("José Ñúñez-Straße") == [
        "jose",
        "nunez",
        "strasse",
        "nunezstrasse",
    ]
    assert search_index.words("O'Brien & Sons") == ["o", "brien", "obrien", "sons"]


def test_a_search_looks_for_punctuated_words_whole():
    assert search_index.query_words("O'B  Anne-Mar s.co") == ["ob", "annemar", "sco"]


def test_terms_of_name_email_and_every_run_of_phone_digits():
    terms = search_index.terms_for("Chez Lola", "Hello@ChezLola.example", "+12125550147")
    assert {"n:chez", "n:lola", "e:hello@chezlola.example", "d:chezlola.example"} <= terms
    phone = sorted(t for t in terms if t.startswith("p:"))
    assert "p:12125550147" in phone  # with the country code
    assert "p:2125550147" in phone  # without
    assert "p:147" in phone  # the last digits
    assert "p:47" not in phone  # three digits at least
    assert search_index.terms_for("X", None, None) == {"n:x"}


def test_rows_follow_registration_edits_and_confirmed_contact_changes(staff):
    customer = register(staff)
    assert {"n:anne", "n:annemarie", "n:brien", "e:amob@hotel.example", "p:8765551234"} <= (
        stored_terms(customer.id)
    )

    services.update_customer(staff, customer.id, changes(customer, name="Marcia Campbell"), 1)
    terms = stored_terms(customer.id)
    assert {"n:marcia", "n:campbell"} <= terms
    assert "n:anne" not in terms
    names = db.session.scalars(
        sa.select(customer_search_term.c.name_key.distinct()).where(
            customer_search_term.c.customer_id == customer.id
        )
    ).all()
    assert names == ["marcia campbell"]

    outbox = Outbox()
    services.request_contact_change(
        staff, customer.id, ContactField.EMAIL, "marcia@new.example", notifier=outbox
    )
    assert "e:marcia@new.example" not in stored_terms(customer.id)  # pending, not yet searched
    services.confirm_contact_change(staff, customer.id, ContactField.EMAIL, outbox.sent[0]["code"])
    terms = stored_terms(customer.id)
    assert {"e:marcia@new.example", "d:new.example"} <= terms
    assert "e:amob@hotel.example" not in terms


def test_rebuild_writes_what_the_listener_wrote(staff):
    first, second = register(staff), register(staff, "Desmond Reid", "des@example.org", None)
    before = {c.id: stored_terms(c.id) for c in (first, second)}
    assert search_index.rebuild(db.session.connection(), batch=1) == 2
    assert {c.id: stored_terms(c.id) for c in (first, second)} == before


def test_reindex_command_restores_lost_rows(app, runner, staff):
    customer = register(staff)
    wanted = stored_terms(customer.id)
    db.session.execute(sa.delete(customer_search_term))
    db.session.commit()
    result = runner.invoke(args=["customers", "reindex-search"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 customers for search." in result.output
    assert stored_terms(customer.id) == wanted
