"""Asking for approval: a Buyer's purchase order at a node, editing it after changes were
requested, and a payment-terms change that finance decides."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user

from portal.approvals import bp, queries, services
from portal.approvals.forms import PaymentTermsForm, RequestForm
from portal.approvals.fx import rates
from portal.approvals.rules import format_major
from portal.approvals.values import Status, Subject
from portal.approvals.views._common import done, done_at, load_request_or_404
from portal.customers import overview
from portal.customers.models import Customer
from portal.domain import Conflict, DomainError
from portal.extensions import db
from portal.htmx import render
from portal.idempotency import create_once
from portal.organizations.access import load_node_or_404, require_org
from portal.security.access import require

CREATE = "org:orders:create"


def _draft(form: RequestForm) -> services.Draft | None:
    amount = form.amount_minor()
    if amount is None:
        return None
    return services.Draft(
        Subject.PURCHASE_ORDER,
        form.description.data,
        amount_minor=amount,
        currency=form.currency.data,
        lines=form.line_items(),
    )


@bp.route("/nodes/<node_id>/purchase-orders/new", methods=["GET", "POST"])
@require_org(CREATE)
def purchase_order_new(node_id: str):
    node = load_node_or_404(node_id, CREATE)
    form = RequestForm()
    if form.validate_on_submit() and (draft := _draft(form)):
        try:
            outcome = create_once(
                current_user,
                form,
                lambda: services.submit(current_user, node.id, draft, rates=rates()),
                lambda created: url_for("approvals.request_detail", request_id=created.id),
            )
        except DomainError as refusal:
            form.show_errors(refusal.errors)
        else:
            created = outcome.created
            state = (
                "was sent already"
                if created is None
                else "waits for approval"
                if created.status == Status.PENDING.value
                else "needs no approval: approved"
            )
            return done_at(f"Purchase order {state}.", outcome.location)
    status = 422 if request.method == "POST" else 200
    return render("approvals/request_form.html", status=status, form=form, node=node)


@bp.route("/requests/<request_id>/edit", methods=["GET", "POST"])
@require_org(CREATE)
def request_edit(request_id: str):
    """After changes were requested, the requester edits and sends again (a new round)."""
    approval = load_request_or_404(request_id)
    if approval.requester_id != current_user.id or approval.subject != Subject.PURCHASE_ORDER:
        abort(404)
    if request.method == "GET":
        form = RequestForm(
            formdata=None,
            description=approval.description,
            amount=format_major(approval.amount_minor, approval.currency),
            currency=approval.currency,
            lines="\n".join(line.get("text", "") for line in approval.lines),
        )
    else:
        form = RequestForm()
        if form.validate_on_submit() and (draft := _draft(form)):
            try:
                services.resubmit(current_user, approval.id, draft, rates=rates())
            except (Conflict, DomainError) as refusal:
                form.show_errors(refusal.errors)
                if isinstance(refusal, Conflict):
                    return render(
                        "approvals/request_form.html", status=409, form=form, approval=approval
                    )
            else:
                return done("Resubmitted.", "approvals.request_detail", request_id=approval.id)
    status = 422 if request.method == "POST" else 200
    return render("approvals/request_form.html", status=status, form=form, approval=approval)


@bp.route("/customers/<customer_id>/payment-terms", methods=["GET", "POST"])
@require("customer:manage")
def payment_terms_change(customer_id: str):
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        abort(404)
    form = PaymentTermsForm(obj=customer)
    if form.validate_on_submit():
        try:
            outcome = create_once(
                current_user,
                form,
                lambda: services.request_payment_terms(
                    current_user, customer.id, form.payment_terms.data
                ),
                lambda created: url_for("approvals.request_detail", request_id=created.id),
            )
        except DomainError as refusal:
            form.show_errors(refusal.errors)
        else:
            return done_at("The change waits for finance.", outcome.location)
    status = 422 if request.method == "POST" else 200
    return render("approvals/payment_terms.html", status=status, form=form, customer=customer)


# The profile's overview lists the pending decisions about the customer (customers.overview).
overview.panel("approvals")(lambda customer: queries.pending_about(customer.id))
