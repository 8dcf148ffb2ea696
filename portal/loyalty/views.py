"""Loyalty pages: the programme at a glance; a customer's loyalty panel (the profile's Loyalty
tab loads it) with the adjustment, redemption and Ambassador forms; the programme's settings
with a preview; the report."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.customers.models import Customer
from portal.domain import DomainError, load
from portal.htmx import is_htmx, redirect_after_post, render
from portal.limits import whole_number
from portal.loyalty import bp, queries, rules, services
from portal.loyalty.forms import (
    AdjustmentForm,
    AmbassadorForm,
    LedgerFilterForm,
    PreviewForm,
    ProgrammeForm,
    RedemptionForm,
    programme_form_data,
    programme_from_form,
    signed_number,
)
from portal.loyalty.values import EntryKind, LoyaltyTier
from portal.security import audit
from portal.security.access import require
from portal.segmentation.models import SegmentType
from portal.segmentation.queries import segment_choices


def _panel(customer: Customer, *, status: int = 200, **forms):
    filters = LedgerFilterForm(request.args)
    page = max(whole_number(request.args.get("page", "1")) or 1, 1)
    if filters.validate():
        chosen = queries.LedgerFilter(
            EntryKind(filters.kind.data) if filters.kind.data else None,
            filters.date_from.data,
            filters.date_to.data,
        )
        ledger = queries.ledger(customer.id, chosen, page)
    else:
        status, ledger = max(status, 422), None
    forms = {
        "adjustment": AdjustmentForm(formdata=None),
        "redemption": RedemptionForm(formdata=None),
        "ambassador": AmbassadorForm(formdata=None),
    } | forms
    return render(
        "loyalty/customer_panel.html",
        block="panel",
        status=status,
        customer=customer,
        view=queries.account_view(customer.id),
        history=queries.tier_history(customer.id),
        filters=filters,
        ledger=ledger,
        args={k: v for k, v in request.args.items() if k != "page"},
        **forms,
    )


def _customer(customer_id: str) -> Customer:
    return load(Customer, customer_id, "customer")


@bp.get("/customers/<customer_id>")
@require("customer:read")
def customer_panel(customer_id: str):
    """Tier with progress, balance, pending, expiring points and the ledger."""
    customer = _customer(customer_id)
    audit.record_now(
        "customer.viewed",
        record_type="customer",
        record_id=customer.id,
        summary="Viewed the loyalty account",
        details={"tab": "loyalty"},
    )
    return _panel(customer)


def _after(customer: Customer):
    if is_htmx():  # the form swaps the panel in place: send the updated panel itself
        return _panel(_customer(customer.id))
    return redirect_after_post("customers.profile", customer_id=customer.id, tab="loyalty")


def _submit(customer_id: str, name: str, form_class, act):
    """A form of the panel: shape checked by the form, meaning by the service `act(customer,
    form)`; a refusal re-renders the panel with the messages next to the fields (422)."""
    customer = _customer(customer_id)
    form = form_class(request.form)
    if not form.validate():
        return _panel(customer, status=422, **{name: form})
    try:
        act(customer, form)
    except DomainError as refused:
        form.show_errors(refused.errors)
        return _panel(_customer(customer.id), status=422, **{name: form})
    return _after(customer)


def _move_points(customer_id: str, name: str, form_class, move, purpose: str):
    """The adjustment and redemption forms: points and why, to `move`."""
    return _submit(
        customer_id,
        name,
        form_class,
        lambda customer, form: move(
            current_user, customer.id, signed_number(form.points.data), form[purpose].data
        ),
    )


@bp.post("/customers/<customer_id>/adjust")
@require("loyalty:manage")
def adjust(customer_id: str):
    return _move_points(customer_id, "adjustment", AdjustmentForm, services.adjust, "reason")


@bp.post("/customers/<customer_id>/redeem")
@require("customer:manage")
def redeem(customer_id: str):
    """Staff redeem on the customer's behalf."""
    return _move_points(customer_id, "redemption", RedemptionForm, services.redeem, "redemption")


def _grant_or_revoke(customer: Customer, form: AmbassadorForm) -> None:
    view = queries.account_view(customer.id)
    is_ambassador = view.account is not None and view.account.tier is LoyaltyTier.AMBASSADOR
    change = services.revoke_ambassador if is_ambassador else services.grant_ambassador
    change(current_user, customer.id, form.reason.data)


@bp.post("/customers/<customer_id>/ambassador")
@require("loyalty:manage")
def ambassador(customer_id: str):
    """Grant Ambassador, or take it back when the customer is one."""
    return _submit(customer_id, "ambassador", AmbassadorForm, _grant_or_revoke)


def _segments() -> dict[str, str]:
    """Segment name → id, for the multipliers by segment."""
    return {name: i for t in SegmentType for i, name in segment_choices(t)}


def _segment_choices() -> list[SelectChoice]:
    return [SelectChoice("", "None"), *(SelectChoice(i, n) for n, i in _segments().items())]


def _programme_page(form: ProgrammeForm, *, status: int = 200, preview=None):
    preview_form = preview or PreviewForm(formdata=None, preview_date=datetime.now(UTC).date())
    preview_form.preview_segment.choices = _segment_choices()
    return render(
        "loyalty/programme.html",
        status=status,
        form=form,
        preview=preview_form,
        versions=queries.programme_versions(),
    )


@bp.get("/programme")
@require("loyalty:manage")
def programme():
    names = {i: n for n, i in _segments().items()}
    form = ProgrammeForm(data=programme_form_data(services.programme(), names))
    return _programme_page(form)


@bp.post("/programme")
@require("loyalty:manage")
def save_programme():
    form = ProgrammeForm(request.form)
    if not form.validate():
        return _programme_page(form, status=422)
    settings, errors = programme_from_form(form, _segments())
    try:
        if errors:
            raise DomainError(errors)
        services.save_programme(current_user, settings, form.note.data or "")
    except DomainError as refused:
        form.show_errors(refused.errors)
        return _programme_page(form, status=422)
    return redirect_after_post("loyalty.programme")


@bp.post("/programme/preview")
@require("loyalty:manage")
def preview_programme():
    """What an example order would earn under the settings as edited (nothing is saved)."""
    form = ProgrammeForm(request.form)
    preview = PreviewForm(request.form)
    preview.preview_segment.choices = _segment_choices()
    settings, errors = programme_from_form(form, _segments()) if form.validate() else (None, {})
    errors = errors or (rules.programme_errors(settings) if settings else {"": ["Fix the form."]})
    amount = whole_number(preview.preview_amount.data or "")
    earned = None
    if not preview.validate() or amount is None:
        preview.preview_amount.errors = [*preview.preview_amount.errors, "Enter a whole number."]
    elif not errors:
        placed = datetime.combine(preview.preview_date.data, datetime.min.time(), UTC)
        tier = LoyaltyTier(preview.preview_tier.data)
        currency = preview.preview_currency.data.upper()
        earned = rules.order_points(
            settings, amount, currency, placed, tier, preview.preview_segment.data
        )
    return render(
        "loyalty/programme.html",
        block="preview",
        status=200 if earned is not None else 422,
        form=form,
        preview=preview,
        earned=earned,
        preview_problems=[m for ms in errors.values() for m in ms],
    )


@bp.get("/")
@require("loyalty:manage")
def index():
    """Members and liability per tier and the points expiring soon, with the ways to settings,
    the report and a customer's points (adjusted on their profile's Loyalty tab)."""
    return render("loyalty/index.html", glance=queries.glance())


@bp.get("/report")
@require("loyalty:manage")
def report():
    return render("loyalty/report.html", report=queries.report())
