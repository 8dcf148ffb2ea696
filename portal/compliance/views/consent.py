"""The preference centre: consent per purpose for one customer, and its history.

The panel is a block of its own, so the customer profile can load it with
`hx-get="/compliance/customers/<id>/consent" hx-target=...` (HTMX gets just the panel).
"""

from __future__ import annotations

from flask import abort, flash
from flask_login import current_user

from portal.compliance import bp, queries
from portal.compliance.forms import ConsentForm
from portal.compliance.services.consent import consent_history, consent_states, record_consent
from portal.compliance.values import ConsentChannel, ConsentPurpose
from portal.customers import overview
from portal.customers.queries.profile import customer_or_404
from portal.domain import DomainError
from portal.htmx import redirect_after_post, render
from portal.security.access import require

MANAGE = "customer:compliance:manage"


def _panel(customer, form, *, status=200, errors=None):
    return render(
        "compliance/consent.html",
        block="panel",
        status=status,
        customer=customer,
        states=consent_states(customer.id),
        history=consent_history(customer.id),
        form=form,
        errors=errors or {},
    )


@bp.get("/customers/<customer_id>/consent")
@require(MANAGE)
def consent(customer_id: str):
    return _panel(customer_or_404(customer_id), ConsentForm(formdata=None))


@bp.post("/customers/<customer_id>/consent/<purpose>/<decision>")
@require(MANAGE)
def consent_record(customer_id: str, purpose: str, decision: str):
    customer = customer_or_404(customer_id)
    if purpose not in ConsentPurpose.__members__ or decision not in ("grant", "withdraw"):
        abort(404)
    form = ConsentForm()
    if not form.validate():
        return _panel(customer, form, status=422)
    try:
        record_consent(
            current_user,
            customer.id,
            ConsentPurpose(purpose),
            granted=decision == "grant",
            channel=ConsentChannel(form.channel.data),
            notice_version=form.notice_version.data,
        )
    except DomainError as exc:
        return _panel(customer, form, status=422, errors=exc.errors)
    verb = "granted" if decision == "grant" else "withdrawn"
    flash(f"Consent to {ConsentPurpose(purpose).label.lower()} is recorded as {verb}.", "success")
    return redirect_after_post("compliance.consent", customer_id=customer.id)


# The profile's overview shows the consent in force and the open requests (customers.overview).
overview.panel("consent")(lambda customer: consent_states(customer.id))
overview.panel("requests")(lambda customer: queries.open_requests_of(customer.id))
