"""A customer's segment panel (included by the profile page) and the admin override."""

from __future__ import annotations

from datetime import UTC

from flask import abort, flash, request
from flask_login import current_user

from portal.customers import bp as customers_bp
from portal.customers import overview
from portal.customers.models import Customer
from portal.domain import DomainError
from portal.extensions import db
from portal.htmx import is_htmx, redirect_after_post, render
from portal.request_memo import request_memo
from portal.security.access import require
from portal.segmentation import bp, queries, services
from portal.segmentation.forms import OverrideForm
from portal.segmentation.models import CustomerSegment, Segment, SegmentType
from portal.segmentation.rules import describe, evidence

# The figures behind a segment decision, as the profile and the segment panel show them.
bp.add_app_template_filter(evidence, "rule_evidence")


def _segment_of(customer_id: str) -> tuple[CustomerSegment, Segment] | None:
    """The customer's segment, read once per request: the overview panel and the header both
    show it, and the header renders after the view's audit commit, when a second read would
    also take a connection from the pool again."""
    known = request_memo("segments_read")
    if customer_id not in known:
        known[customer_id] = queries.customer_segment(customer_id)
    return known[customer_id]


@customers_bp.context_processor
def segment_lookup() -> dict:
    """The customer pages' profile header shows the customer's primary segment."""
    return {"segment_of": _segment_of}


def _customer_or_404(customer_id: str) -> Customer:
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    return customer


def _panel(customer: Customer, form: OverrideForm | None = None, status: int = 200):
    current = queries.customer_segment(customer.id)
    history = queries.customer_history(customer.id)
    why = next((h for h in history if current and h.entry.to_segment_id == current[1].id), None)
    return render(
        "segmentation/customer_panel.html",
        block="panel",
        status=status,
        customer=customer,
        current=current,
        why=why,
        rule_lines=describe(current[1].rule) if current and not current[1].is_fallback else [],
        history=history,
        form=form,
    )


@bp.get("/customers/<customer_id>")
@require("customer:read")
def customer_segment_panel(customer_id: str):
    """The segment panel fragment: current segment, since when, why, and the full history."""
    return _panel(_customer_or_404(customer_id))


def _override_form(customer: Customer, formdata=None) -> OverrideForm:
    wanted = SegmentType.B2B if customer.customer_type.is_b2b else SegmentType.B2C
    form = OverrideForm(formdata=formdata)
    form.segment_id.choices = queries.segment_choices(wanted)
    return form


@bp.get("/customers/<customer_id>/override")
@require("customer:segmentation:manage")
def customer_override_form(customer_id: str):
    customer = _customer_or_404(customer_id)
    return _panel(customer, _override_form(customer, formdata=None))


@bp.post("/customers/<customer_id>/override")
@require("customer:segmentation:manage")
def customer_override(customer_id: str):
    customer = _customer_or_404(customer_id)
    form = _override_form(customer, formdata=request.form)
    if not form.validate():
        return _panel(customer, form, status=422)
    try:
        services.override_segment(
            current_user,
            customer.id,
            form.segment_id.data,
            form.justification.data,
            form.until.data.replace(tzinfo=UTC),
        )
    except DomainError as refused:
        form.show_errors(refused.errors)
        return _panel(_customer_or_404(customer_id), form, status=422)
    flash("The segment is set by hand until the date given.", "success")
    if is_htmx():  # the form swaps the panel in place: send the updated panel itself
        return _panel(_customer_or_404(customer_id))
    return redirect_after_post("segmentation.customer_segment_panel", customer_id=customer.id)


@overview.panel("segment")
def _segment_at_a_glance(customer: Customer) -> dict | None:
    """The overview's segment and why: the assignment and the move that made it."""
    current = _segment_of(customer.id)
    if current is None:
        return None
    latest = queries.customer_history(customer.id, limit=1)
    return {"assignment": current[0], "segment": current[1], "why": next(iter(latest), None)}


@overview.panel("orders")
def _orders_at_a_glance(customer: Customer) -> queries.LifetimeOrders:
    return queries.lifetime_orders(customer.id)
