"""Registering a customer and the 360° profile with its in-place edits of details and status."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.confirmation import ask, confirmed
from portal.customers import bp, services
from portal.customers.forms.profile import (
    TypeChoiceForm,
    new_customer_form,
    parse_type,
    profile_form,
    status_form,
)
from portal.customers.hooks import survivor_of
from portal.customers.queries.profile import customer_or_404, find_customer
from portal.customers.rules import TRANSITIONS
from portal.customers.services.validation import registration_errors
from portal.customers.values import CustomerStatus
from portal.customers.views._sections import conflict, saved, section, tab_context, visible_tabs
from portal.domain import DomainError, StaleVersion
from portal.htmx import render, see_other
from portal.idempotency import create_once
from portal.metrics import customer_lookup
from portal.security import audit
from portal.security.access import require


def _new_page(customer_type, form, *, status=200, errors=(), block="content"):
    chooser = TypeChoiceForm(data={"customer_type": customer_type})
    return render(
        "customers/new.html",
        block=block,
        status=status,
        chooser=chooser,
        form=form,
        form_errors=list(errors),
    )


@bp.get("/new")
@require("customer:manage")
def customer_new():
    """The registration form; `?customer_type=` picks the fields (HTMX swaps just those)."""
    customer_type = parse_type(request.args.get("customer_type"))
    block = "type_fields" if request.htmx.target == "type-fields" else "content"
    return _new_page(customer_type, new_customer_form(customer_type, formdata=None), block=block)


@bp.post("/new")
@require("customer:manage")
def customer_create():
    customer_type = parse_type(request.form.get("customer_type"))
    form = new_customer_form(customer_type)
    if customer_type is None:
        return _new_page(None, form, status=422, errors=["Choose the type of customer first."])
    if not form.validate():
        return _new_page(customer_type, form, status=422)
    try:
        profile = create_once(
            current_user,
            form,
            lambda: services.register_customer(current_user, form.new_customer()),
            lambda customer: url_for("customers.profile", customer_id=customer.id),
        )
    except DomainError as exc:
        rest = form.show_errors(exc.errors)
        return _new_page(customer_type, form, status=422, errors=rest)
    flash(f"{form.name.data} is registered.", "success")
    return see_other(profile.location)


@bp.post("/new/validate")
@require("customer:manage")
def customer_validate():
    """Inline validation of the field that changed: checks every rule, saves nothing."""
    customer_type = parse_type(request.form.get("customer_type"))
    form = new_customer_form(customer_type)
    name = request.htmx.trigger_name or request.htmx.trigger
    if name not in form._fields or name == "csrf_token":
        abort(400)
    if form.validate() and customer_type is not None:
        form.show_errors(registration_errors(form.new_customer()))
    return render("customers/_profile_field.html", field=form[name])


@bp.get("/<customer_id>")
@customer_lookup
@require("customer:read")
def profile(customer_id: str):
    customer = find_customer(customer_id)
    if customer is None:  # merged: its bookmark still works (asked only then: one query less)
        if (survivor := survivor_of(customer_id)) is None:
            abort(404)
        return redirect(url_for("customers.profile", customer_id=survivor, **request.args), 301)
    tabs = visible_tabs(current_user)
    tab = request.args.get("tab", "overview")
    tab = tab if tab in tabs else "overview"
    context, status = tab_context(customer, tab)
    # Who looked at which customer, tab by tab: data-protection requests ask for it.
    audit.record_now(
        "customer.viewed",
        record_type="customer",
        record_id=customer.id,
        summary=f"Viewed the {tab} tab",
        details={"tab": tab},
    )
    block = "tabs" if request.htmx.target == "profile-tabs" else "content"
    return render(
        "customers/profile.html",
        block=block,
        status=status,
        customer=customer,
        tab=tab,
        tabs=tabs,
        **context,
    )


def _details_form(customer, form, *, status=200, errors=()):
    return section(
        "customers/_profile_edit.html",
        customer,
        tab="overview",
        status=status,
        form=form,
        form_errors=list(errors),
    )


@bp.get("/<customer_id>/details/edit")
@require("customer:manage")
def profile_edit(customer_id: str):
    customer = customer_or_404(customer_id)
    return _details_form(customer, profile_form(customer, formdata=None))


@bp.post("/<customer_id>/details")
@require("customer:manage")
def profile_update(customer_id: str):
    customer = customer_or_404(customer_id)
    form = profile_form(customer)
    if not form.validate():
        return _details_form(customer, form, status=422)
    changes = form.changes()
    try:
        services.update_customer(current_user, customer.id, changes, form.version.data)
    except StaleVersion as exc:
        return conflict(
            customer,
            target="profile-details",
            tab="overview",
            current=exc.current,
            submitted=form.submitted(changes),
            reload=url_for("customers.profile_edit", customer_id=customer.id),
        )
    except DomainError as exc:
        return _details_form(customer, form, status=422, errors=form.show_errors(exc.errors))
    return saved(
        "customers/_profile_details.html", customer, target="profile-details", tab="overview"
    )


def _status_form(customer, form, *, status=200, errors=()):
    return section(
        "customers/_profile_status_form.html",
        customer,
        tab="overview",
        status=status,
        form=form,
        form_errors=list(errors),
    )


@bp.get("/<customer_id>/status/edit")
@require("customer:manage")
def status_edit(customer_id: str):
    """`?to=INACTIVE` preselects a target: the Deactivate and Reactivate buttons use it."""
    customer = customer_or_404(customer_id)
    form = status_form(customer, TRANSITIONS[customer.status], formdata=None)
    form.status.data = request.args.get("to", "")
    return _status_form(customer, form)


@bp.post("/<customer_id>/status")
@require("customer:manage")
def status_change(customer_id: str):
    customer = customer_or_404(customer_id)
    form = status_form(customer, TRANSITIONS[customer.status])
    if not form.validate():
        return _status_form(customer, form, status=422)
    new_status = form.new_status()
    if new_status is None:
        form.status.errors = ["Choose the new status."]
        return _status_form(customer, form, status=422)
    if new_status == CustomerStatus.CLOSED and not confirmed():
        back = url_for("customers.profile", customer_id=customer.id)
        return ask("close-customer", customer.name, back)
    try:
        services.change_status(
            current_user,
            customer.id,
            new_status,
            reason=form.reason.data or "",
            notes=form.notes.data or "",
            expected_version=form.version.data,
        )
    except StaleVersion as exc:
        return conflict(
            customer,
            target="profile-status",
            tab="overview",
            current=exc.current,
            submitted={"status": new_status},
            reload=url_for("customers.status_edit", customer_id=customer.id),
        )
    except DomainError as exc:
        return _status_form(customer, form, status=422, errors=form.show_errors(exc.errors))
    return saved(
        "customers/_profile_status.html", customer, target="profile-status", tab="overview"
    )
