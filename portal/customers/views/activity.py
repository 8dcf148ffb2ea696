"""Preferences, the interaction history and confirmed changes of the primary e-mail/phone."""

from __future__ import annotations

from flask import abort, url_for
from flask_login import current_user

from portal.customers import bp, services
from portal.customers.forms.activity import (
    ContactChangeForm,
    ContactCodeForm,
    InteractionForm,
    preferences_form,
)
from portal.customers.forms.profile import as_phone
from portal.customers.queries.profile import customer_or_404, pending_contact_changes
from portal.customers.services.activity import preference_values
from portal.customers.values import ContactField, InteractionType
from portal.customers.views._sections import (
    conflict,
    contact_context,
    interactions_context,
    saved,
    section,
)
from portal.domain import DomainError, StaleVersion
from portal.idempotency import create_once
from portal.security.access import require


def _preferences_form(customer, form, *, status=200, errors=()):
    return section(
        "customers/_preferences_form.html",
        customer,
        tab="preferences",
        status=status,
        form=form,
        form_errors=list(errors),
    )


@bp.get("/<customer_id>/preferences/edit")
@require("customer:manage")
def preferences_edit(customer_id: str):
    customer = customer_or_404(customer_id)
    return _preferences_form(customer, preferences_form(customer.preference, formdata=None))


@bp.post("/<customer_id>/preferences")
@require("customer:manage")
def preferences_update(customer_id: str):
    customer = customer_or_404(customer_id)
    form = preferences_form(customer.preference)
    if not form.validate():
        return _preferences_form(customer, form, status=422)
    try:
        services.update_preferences(
            current_user, customer.id, form.preferences(), expected_version=form.version.data
        )
    except StaleVersion as exc:
        return conflict(
            customer,
            target="preferences",
            tab="preferences",
            current=exc.current,
            submitted=preference_values(form.preferences()),
            reload=url_for("customers.preferences_edit", customer_id=customer.id),
        )
    except DomainError as exc:
        return _preferences_form(customer, form, status=422, errors=form.show_errors(exc.errors))
    return saved("customers/_preferences.html", customer, target="preferences", tab="preferences")


def _interactions(customer, form, *, status=200, errors=()):
    context, _ = interactions_context(customer, {}, form)
    return section(
        "customers/_interactions.html",
        customer,
        tab="interactions",
        status=status,
        form_errors=list(errors),
        **context,
    )


@bp.post("/<customer_id>/interactions")
@require("customer:manage")
def interaction_create(customer_id: str):
    customer = customer_or_404(customer_id)
    form = InteractionForm()
    if not form.validate():
        return _interactions(customer, form, status=422)
    try:
        create_once(
            current_user,
            form,
            lambda: services.record_interaction(
                current_user,
                customer.id,
                InteractionType(form.type.data),
                form.summary.data or "",
                details=form.details.data or "",
                occurred_at=form.when(),
            ),
            lambda _: url_for("customers.profile", customer_id=customer.id, tab="interactions"),
        )
    except DomainError as exc:
        return _interactions(customer, form, status=422, errors=form.show_errors(exc.errors))
    context, _ = interactions_context(customer, {})
    return saved(
        "customers/_interactions.html",
        customer,
        target="interactions",
        tab="interactions",
        **context,
    )


def _contact_field(name: str) -> ContactField:
    try:
        return ContactField(name)
    except ValueError:
        abort(404)


def _contact(customer, *, status=200, errors=(), **code_forms):
    return section(
        "customers/_profile_contact.html",
        customer,
        tab="overview",
        status=status,
        form_errors=list(errors),
        **contact_context(customer, **code_forms),
    )


def _change_form(customer, field, form, *, status=200, errors=()):
    form.value.label.text = "New e-mail" if field == ContactField.EMAIL else "New phone"
    return section(
        "customers/_contact_change_form.html",
        customer,
        tab="overview",
        status=status,
        form=form,
        contact=field,  # not `field`: the template imports the `field` macro
        form_errors=list(errors),
    )


@bp.get("/<customer_id>/contact/<field>/edit")
@require("customer:manage")
def contact_change_new(customer_id: str, field: str):
    customer = customer_or_404(customer_id)
    contact_field = _contact_field(field)
    pending = pending_contact_changes(customer.id).get(contact_field.value)
    form = ContactChangeForm(formdata=None, data={"version": pending.version if pending else 0})
    return _change_form(customer, contact_field, form)


@bp.post("/<customer_id>/contact/<field>")
@require("customer:manage")
def contact_change_request(customer_id: str, field: str):
    """Send a code to the new e-mail/phone; nothing changes until it is confirmed."""
    customer = customer_or_404(customer_id)
    contact_field = _contact_field(field)
    form = ContactChangeForm()
    if not form.validate():
        return _change_form(customer, contact_field, form, status=422)
    try:
        services.request_contact_change(
            current_user,
            customer.id,
            contact_field,
            as_phone(form.value.data) if contact_field is ContactField.PHONE else form.value.data,
            expected_version=form.version.data,
        )
    except StaleVersion as exc:
        return conflict(
            customer,
            target="profile-contact",
            tab="overview",
            current=exc.current,
            submitted={contact_field.value: form.value.data},
            reload=url_for(
                "customers.contact_change_new", customer_id=customer.id, field=contact_field.value
            ),
        )
    except DomainError as exc:
        errors = form.show_errors(exc.errors, rename={contact_field.value: "value"})
        return _change_form(customer, contact_field, form, status=422, errors=errors)
    return saved(
        "customers/_profile_contact.html",
        customer,
        target="profile-contact",
        tab="overview",
        **contact_context(customer),
    )


@bp.post("/<customer_id>/contact/<field>/confirm")
@require("customer:manage")
def contact_change_confirm(customer_id: str, field: str):
    customer = customer_or_404(customer_id)
    contact_field = _contact_field(field)
    form = ContactCodeForm(prefix=contact_field.value)
    if not form.validate():
        return _contact(customer, status=422, **{contact_field.value: form})
    try:
        services.confirm_contact_change(current_user, customer.id, contact_field, form.code.data)
    except DomainError as exc:
        errors = form.show_errors(exc.errors)
        return _contact(customer, status=422, errors=errors, **{contact_field.value: form})
    return saved(
        "customers/_profile_contact.html",
        customer,
        target="profile-contact",
        tab="overview",
        **contact_context(customer),
    )
