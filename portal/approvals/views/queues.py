"""The queues, the request page, deciding (with the comment dialog) and cancelling."""

from __future__ import annotations

from flask import abort, make_response, request
from flask_login import current_user

from portal.approvals import bp, queries, rules, services
from portal.approvals.forms import ButtonForm, DecisionForm, FilterForm
from portal.approvals.values import Decision, Status
from portal.approvals.views._common import done, load_request_or_404, may_decide
from portal.domain import Conflict, DomainError
from portal.htmx import render
from portal.models import utcnow
from portal.security.access import require
from portal.security.permissions import SIGNED_IN

QUEUES = {"waiting": "Waiting for me", "mine": "My requests", "all": "All requests"}


def _filters(form: FilterForm) -> queries.Filters:
    if not form.validate():
        return queries.Filters()
    minimum = None
    if form.min_amount.data:
        try:
            minimum = rules.parse_amount(form.min_amount.data, form.currency.data)
        except ValueError as wrong:
            form.min_amount.errors = [str(wrong)]
    return queries.Filters(
        form.status.data or "",
        form.subject.data or "",
        minimum,
        form.currency.data,
        form.older_than.data,
    )


@bp.get("/")
@require(SIGNED_IN)
def queue():
    kind = request.args.get("queue", "waiting")
    if kind not in QUEUES:
        abort(404)
    form = FilterForm(request.args)
    now = utcnow()
    return render(
        "approvals/queue.html",
        block="results" if request.htmx.target == "approval-results" else "content",
        kind=kind,
        queues=QUEUES,
        form=form,
        rows=queries.queue(kind, current_user, _filters(form), now),
        waiting=queries.waiting_count(current_user, now.date()),
        ordering=queries.nodes_where(current_user, "org:orders:create", now.date()),
        governing=queries.nodes_where(current_user, "org:approvals:rules", now.date()),
    )


@bp.get("/count")
@require(SIGNED_IN)
def queue_count():
    """The number in the navigation's badge; portal.js asks again every 30 s and after posts."""
    response = make_response(str(queries.waiting_count(current_user, utcnow().date())))
    response.mimetype = "text/plain"
    return response


def _request_page(approval, *, status=200, dialog=None):
    steps = queries.history(approval)
    return render(
        "approvals/request.html",
        status=status,
        approval=approval,
        title=queries.title(approval),
        amount=rules.format_amount(approval.amount_minor, approval.currency),
        tiers=queries.chain_view(approval, steps),
        steps=steps,
        requester=queries.user_name(approval.requester_id),
        may_decide=may_decide(approval),
        mine=approval.requester_id == current_user.id,
        button=ButtonForm(),
        dialog=dialog,
        Status=Status,
    )


@bp.get("/requests/<request_id>")
@require(SIGNED_IN)
def request_detail(request_id: str):
    return _request_page(load_request_or_404(request_id))


def _dialog(approval, form, decision, status=200):
    return render(
        "approvals/decide.html",
        block="dialog",
        status=status,
        approval=approval,
        title=queries.title(approval),
        form=form,
        decision=decision,
    )


@bp.get("/requests/<request_id>/decide")
@require(SIGNED_IN)
def decide_dialog(request_id: str):
    """The small dialog with the comment (the whole page without JavaScript)."""
    approval = load_request_or_404(request_id)
    form = DecisionForm(
        formdata=None,
        decision=request.args.get("decision", ""),
        round=approval.round,
        tier=approval.tier,
    )
    decision = form.chosen()
    if decision is None:
        abort(404)
    return _dialog(approval, form, decision)


@bp.post("/requests/<request_id>/decide")
@require(SIGNED_IN)
def decide(request_id: str):
    approval = load_request_or_404(request_id)
    form = DecisionForm()
    decision = form.chosen()
    if not form.validate_on_submit() or decision is None:
        return _dialog(approval, form, decision or Decision.APPROVE, 422)
    try:
        decided = services.decide(
            current_user,
            approval.id,
            decision,
            form.comment.data or "",
            round_=form.round.data,
            tier=form.tier.data,
        )
    except Conflict as conflict:
        form.show_errors(conflict.errors)
        return _dialog(load_request_or_404(request_id), form, decision, 409)
    except DomainError as refusal:
        form.show_errors(refusal.errors)
        return _dialog(approval, form, decision, 422)
    return done(
        f"{decision.value.replace('_', ' ').capitalize()}: {queries.title(decided)}. "
        f"The request is {Status(decided.status).label.lower()}.",
        "approvals.request_detail",
        request_id=decided.id,
    )


@bp.post("/requests/<request_id>/cancel")
@require(SIGNED_IN)
def request_cancel(request_id: str):
    approval = load_request_or_404(request_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(current_user, approval.id)
    except (Conflict, DomainError) as refusal:
        return _request_page(approval, status=refusal.status)
    return done("Request cancelled.", "approvals.request_detail", request_id=approval.id)
