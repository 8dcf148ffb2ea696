"""The request dashboard, intake, the request page and one endpoint per action on it."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from flask import Response, abort, flash, send_file, url_for
from flask import request as http
from flask_login import current_user

from portal.compliance import bp, queries, services
from portal.compliance.deadlines import due_label
from portal.compliance.export import path_of
from portal.compliance.forms import (
    ButtonForm,
    ExecuteErasureForm,
    ExportForm,
    NoteForm,
    PlanErasureForm,
    ReasonForm,
    RequestForm,
    StatusForm,
    VerifyForm,
    choices,
)
from portal.compliance.rules import manual_targets
from portal.compliance.services._common import deadlines_of, load_request, today
from portal.compliance.values import DataCategory, ErasureScope, RequestStatus
from portal.domain import DomainError
from portal.htmx import redirect_after_post, render, see_other
from portal.idempotency import create_once
from portal.models import utcnow
from portal.security.access import require

MANAGE = "customer:compliance:manage"


@bp.app_template_filter("due_label")
def _due_label(due, today_):
    return due_label(due, today_)


@bp.get("/")
@require(MANAGE)
def request_list():
    """Open requests; `?due=overdue|week` and `?status=` narrow them (the home page links)."""
    due, status = http.args.get("due", ""), http.args.get("status", "")
    if (due and due not in queries.DUE_FILTERS) or (
        status and status not in RequestStatus.__members__
    ):
        abort(404)
    return render(
        "compliance/requests.html",
        rows=queries.filtered_requests(today(), due, status),
        counts=queries.status_counts(),
        due=due,
        status_filter=status,
        due_filters=queries.DUE_FILTERS,
    )


@bp.get("/requests/new")
@require(MANAGE)
def request_new():
    form = RequestForm(formdata=None, received_on=today())
    return render("compliance/request_new.html", form=form)


@bp.post("/requests")
@require(MANAGE)
def request_create():
    form = RequestForm()
    errors: list[str] = []
    if form.validate():
        try:
            outcome = create_once(
                current_user,
                form,
                lambda: services.receive_request(current_user, form.new_request(utcnow())),
                lambda created: url_for("compliance.request_detail", request_id=created.id),
            )
        except DomainError as exc:
            errors = form.show_errors(exc.errors)
        else:
            flash("The request is recorded; its deadline is counted from today.", "success")
            return see_other(outcome.location)
    return render("compliance/request_new.html", form=form, errors=errors, status=422)


def _forms(found) -> dict:
    status_form = StatusForm(formdata=None)
    status_form.status.choices = choices(
        manual_targets(found.status, found.verified_at is not None)
    )
    return {
        "verify": VerifyForm(formdata=None, customer_id=found.customer_id),
        "status": status_form,
        "deny": ReasonForm(formdata=None),
        "extend": ReasonForm(formdata=None),
        "plan": PlanErasureForm(formdata=None),
        "execute": ExecuteErasureForm(formdata=None),
        "complete": NoteForm(formdata=None),
        "button": ButtonForm(formdata=None),
        "export": ExportForm(formdata=None),
    }


def _page(found, *, status: int = 200, failed: tuple[str, object] | None = None, errors=None):
    forms = _forms(found)
    if failed is not None:
        forms[failed[0]] = failed[1]
    names = queries.staff_names(
        [found.created_by, found.verified_by, found.approval_requested_by, found.approved_by]
    )
    return render(
        "compliance/request.html",
        status=status,
        req=found,
        deadlines=deadlines_of(found),
        today=today(),
        exports=queries.exports_of(found.id),
        names=names,
        forms=forms,
        failed=failed[0] if failed else None,
        errors=errors or {},
        now=utcnow(),
    )


@bp.get("/requests/<request_id>")
@require(MANAGE)
def request_detail(request_id: str):
    return _page(load_request(request_id))


def _act(request_id: str, name: str, form, call: Callable[[], object], done: str) -> Response:
    """Validate `form`, run the use case, and go back to the request page saying `done` (422
    on refusal)."""
    found = load_request(request_id)
    if not form.validate():
        return _page(found, status=422, failed=(name, form))
    try:
        call()
    except DomainError as exc:
        form.show_errors(exc.errors)
        return _page(load_request(request_id), status=422, failed=(name, form), errors=exc.errors)
    flash(done, "success")
    return redirect_after_post("compliance.request_detail", request_id=request_id)


@bp.post("/requests/<request_id>/verify")
@require(MANAGE)
def request_verify(request_id: str):
    form = VerifyForm()
    return _act(
        request_id,
        "verify",
        form,
        lambda: services.verify_identity(
            current_user,
            request_id,
            form.method.data,
            form.evidence.data,
            (form.customer_id.data or "").strip() or None,
        ),
        "The requester's identity is recorded as verified.",
    )


@bp.post("/requests/<request_id>/status")
@require(MANAGE)
def request_status(request_id: str):
    form = StatusForm()
    form.status.choices = choices(RequestStatus)
    return _act(
        request_id,
        "status",
        form,
        lambda: services.change_status(
            current_user, request_id, RequestStatus(form.status.data), form.note.data or ""
        ),
        "The request's status is changed.",
    )


@bp.post("/requests/<request_id>/acknowledge")
@require(MANAGE)
def request_acknowledge(request_id: str):
    form = ButtonForm()
    return _act(
        request_id,
        "button",
        form,
        lambda: services.acknowledge(current_user, request_id),
        "The request is acknowledged.",
    )


@bp.post("/requests/<request_id>/deny")
@require(MANAGE)
def request_deny(request_id: str):
    form = ReasonForm()
    return _act(
        request_id,
        "deny",
        form,
        lambda: services.deny(current_user, request_id, form.reason.data or ""),
        "The request is denied; the reason is recorded for the reply.",
    )


@bp.post("/requests/<request_id>/extend")
@require(MANAGE)
def request_extend(request_id: str):
    form = ReasonForm()
    return _act(
        request_id,
        "extend",
        form,
        lambda: services.extend(current_user, request_id, form.reason.data or ""),
        "The deadline is extended.",
    )


@bp.post("/requests/<request_id>/complete")
@require(MANAGE)
def request_complete(request_id: str):
    form = NoteForm()
    return _act(
        request_id,
        "complete",
        form,
        lambda: services.complete(current_user, request_id, form.note.data or ""),
        "The request is completed.",
    )


@bp.post("/requests/<request_id>/erasure/plan")
@require(MANAGE)
def erasure_plan(request_id: str):
    form = PlanErasureForm()
    return _act(
        request_id,
        "plan",
        form,
        lambda: services.plan_erasure(
            current_user,
            request_id,
            ErasureScope(form.scope.data),
            [DataCategory(c) for c in form.categories.data or []],
        ),
        "The erasure is planned.",
    )


@bp.post("/requests/<request_id>/erasure/approve")
@require(MANAGE)
def erasure_approve(request_id: str):
    form = ButtonForm()
    return _act(
        request_id,
        "button",
        form,
        lambda: services.approve_erasure(current_user, request_id),
        "The erasure is approved; it can be executed now.",
    )


@bp.post("/requests/<request_id>/erasure/execute")
@require(MANAGE)
def erasure_execute(request_id: str):
    form = ExecuteErasureForm()
    return _act(
        request_id,
        "execute",
        form,
        lambda: services.execute_erasure(current_user, request_id, form.password.data),
        "The erasure is executed; its receipt is below.",
    )


@bp.post("/requests/<request_id>/export")
@require(MANAGE)
def export_create(request_id: str):
    form = ExportForm()
    return _act(
        request_id,
        "export",
        form,
        lambda: create_once(
            current_user,
            form,
            lambda: services.create_export(current_user, request_id),
            lambda _: url_for("compliance.request_detail", request_id=request_id),
        ),
        "The export is ready to download below.",
    )


@bp.get("/requests/<request_id>/receipt")
@require(MANAGE)
def erasure_receipt(request_id: str):
    found = load_request(request_id)
    if not found.receipt:
        abort(404)
    body = json.dumps(found.receipt, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="erasure-receipt-{found.id}.json"'},
    )


@bp.get("/exports/<export_id>")
@require(MANAGE)
def export_download(export_id: str):
    found = services.record_download(current_user, export_id)
    # Read at once (exports are small) so no file handle outlives the request.
    return send_file(
        io.BytesIO(path_of(found).read_bytes()),
        mimetype="application/zip",
        as_attachment=True,
        download_name=found.file_name,
    )
