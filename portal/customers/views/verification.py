"""Overriding a customer's verification from the profile (CustomerManagementAdminService)."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from portal.confirmation import ask, confirmed
from portal.customers import bp, services
from portal.customers.forms.verification import VerificationOverrideForm
from portal.customers.queries.profile import customer_or_404
from portal.customers.views._sections import section
from portal.domain import DomainError
from portal.htmx import see_other
from portal.idempotency import create_once
from portal.security.access import require


def _form(customer, form, *, status=200, errors=()):
    return section(
        "customers/_verification_override_form.html",
        customer,
        tab="overview",
        status=status,
        form=form,
        form_errors=list(errors),
    )


@bp.get("/<customer_id>/verification/override")
@require("customer:manage")
def verification_override_form(customer_id: str):
    customer = customer_or_404(customer_id)
    return _form(customer, VerificationOverrideForm(formdata=None))


@bp.post("/<customer_id>/verification/override")
@require("customer:manage")
def verification_override(customer_id: str):
    customer = customer_or_404(customer_id)
    form = VerificationOverrideForm()
    if not form.validate():
        return _form(customer, form, status=422)
    profile = url_for("customers.profile", customer_id=customer.id)
    if not confirmed():
        return ask("override-verification", customer.name, profile)
    try:
        # A second submission of the same form answers like the first: one override.
        create_once(
            current_user,
            form,
            lambda: services.override_verification(
                current_user, customer.id, form.justification.data or ""
            ),
            lambda _customer: profile,
        )
    except DomainError as exc:
        return _form(customer, form, status=422, errors=form.show_errors(exc.errors))
    flash(
        f"{customer.name} is verified: the override and its justification are recorded.", "success"
    )
    return see_other(profile)
