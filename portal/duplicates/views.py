"""The review queue, a pair side by side with the merge preview, the merges with their undo,
and the registration form's "this looks like …" check."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import Response, abort, request
from flask_login import current_user
from wtforms.widgets import HiddenInput

from portal.customers.models import Customer
from portal.domain import DomainError, NotFound
from portal.duplicates import bp, queries, rules, services
from portal.duplicates.forms import CheckForm, DecisionForm, MergeForm
from portal.duplicates.values import MERGED_FIELDS, UNDO_WINDOW, MergeRequest
from portal.extensions import db
from portal.forms import Form
from portal.htmx import redirect_after_post, render
from portal.models import utcnow
from portal.security import audit
from portal.security.access import require


def _page() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1


@bp.get("/")
@require("customer:manage")
def queue():
    """Open pairs, most probable first, with the data-quality figures."""
    rows, has_next = queries.queue(_page())
    return render(
        "duplicates/queue.html",
        rows=rows,
        page=_page(),
        has_next=has_next,
        figures=queries.data_quality(),
        explain=rules.explain,
    )


def _pair(candidate_id: int, swap: bool) -> tuple[Customer, Customer]:
    candidate = queries.candidate_or_404(candidate_id)
    a = db.session.get(Customer, candidate.customer_a)
    b = db.session.get(Customer, candidate.customer_b)
    if a is None or b is None:
        raise NotFound("candidate pair")
    # The older record survives by default: the newer one is the re-registration.
    primary, secondary = sorted((a, b), key=lambda c: (c.created_at, c.id))
    return (secondary, primary) if swap else (primary, secondary)


def _review(candidate_id: int, form: MergeForm | None = None, status: int = 200, errors=()):
    candidate = queries.candidate_or_404(candidate_id)
    swap = request.values.get("swap") == "1"
    primary, secondary = _pair(candidate_id, swap)
    form = form or MergeForm(
        formdata=None,
        data={"primary_version": primary.version_id, "secondary_version": secondary.version_id},
    )
    audit.record_now(
        "duplicates.reviewed",
        record_type="customer",
        record_id=primary.id,
        summary=f"Compared with {secondary.id}",
        details={"candidate": candidate.id, "customers": [primary.id, secondary.id]},
    )
    following = queries.next_open(candidate.id)
    return render(
        "duplicates/review.html",
        status=status,
        candidate=candidate,
        primary=primary,
        secondary=secondary,
        swap=swap,
        fields=MERGED_FIELDS,
        plan=services.plan(primary, secondary),
        form=form,
        decision=DecisionForm(formdata=None, data={"version": candidate.version}),
        form_errors=list(errors),
        following=following,
        categories_differ=primary.customer_type.is_b2b != secondary.customer_type.is_b2b,
    )


@bp.get("/pairs/<int:candidate_id>")
@require("customer:manage")
def review(candidate_id: int):
    """Both records side by side, why the matcher paired them, and the merge preview."""
    return _review(candidate_id)


def _decided(form: Form, page: Callable[..., Response], act: Callable[[], Response]) -> Response:
    """A decision posted from `page` (a pair's review, a merge): `act` runs the use case and
    redirects to what comes next; an invalid form or a refusal draws the page again (422), with the
    messages next to their fields or above the form."""
    if form.validate():
        try:
            return act()
        except DomainError as refused:
            errors = form.show_errors(refused.errors)
    else:  # the hidden versions' messages have no field to stand next to
        hidden = [field for field in form if isinstance(field.widget, HiddenInput)]
        errors = [message for field in hidden for message in field.errors]
    return page(form=form, status=422, errors=errors)


@bp.post("/pairs/<int:candidate_id>/merge")
@require("customer:manage")
def merge(candidate_id: int):
    primary, secondary = _pair(candidate_id, request.values.get("swap") == "1")
    form = MergeForm()

    def act():
        record = services.merge(
            current_user,
            MergeRequest(
                primary_id=primary.id,
                secondary_id=secondary.id,
                primary_version=form.primary_version.data,
                secondary_version=form.secondary_version.data,
                take_from_secondary=form.take_from_secondary(request.form),
                category_override=form.category_override.data,
            ),
        )
        return redirect_after_post("duplicates.merge_detail", merge_id=record.id)

    return _decided(form, partial(_review, candidate_id), act)


@bp.post("/pairs/<int:candidate_id>/dismiss")
@require("customer:manage")
def dismiss(candidate_id: int):
    """Not a duplicate: remembered, then on to the next pair."""
    form = DecisionForm()
    if not form.validate():
        return _review(candidate_id, status=422, errors=form.version.errors)
    services.dismiss(current_user, candidate_id, form.version.data)
    following = queries.next_open()
    if following is None:
        return redirect_after_post("duplicates.queue")
    return redirect_after_post("duplicates.review", candidate_id=following.id)


@bp.get("/merges")
@require("customer:manage")
def merges():
    rows, has_next = queries.recent_merges(_page())
    ids = [m.primary_id for m in rows] + [m.secondary_id for m in rows]
    return render(
        "duplicates/merges.html",
        rows=rows,
        names=queries.customer_names(ids),
        page=_page(),
        has_next=has_next,
    )


def _merge_page(merge_id: str, form: DecisionForm | None = None, status: int = 200, errors=()):
    record = queries.merge_or_404(merge_id)
    audit.record_now(
        "duplicates.merge_viewed",
        record_type="customer",
        record_id=record.primary_id,
        summary=f"Viewed the merge of {record.secondary_id}",
        details={"merge": record.id},
    )
    return render(
        "duplicates/merge.html",
        status=status,
        record=record,
        names=queries.customer_names([record.primary_id, record.secondary_id]),
        secondary_name=record.undo.get("secondary", {}).get("name", record.secondary_id),
        undoable=record.undone_at is None and utcnow() - record.merged_at <= UNDO_WINDOW,
        form=form or DecisionForm(formdata=None, data={"version": record.version}),
        form_errors=list(errors),
    )


@bp.get("/merges/<merge_id>")
@require("customer:manage")
def merge_detail(merge_id: str):
    return _merge_page(merge_id)


@bp.post("/merges/<merge_id>/undo")
@require("customer:manage")
def undo(merge_id: str):
    form = DecisionForm()

    def act():
        services.unmerge(current_user, merge_id, form.version.data)
        return redirect_after_post("duplicates.merge_detail", merge_id=merge_id)

    return _decided(form, partial(_merge_page, merge_id), act)


@bp.post("/check")
@require("customer:manage")
def check():
    """The registration form asks, as its name, e-mail and phone are filled: does this person
    exist already? A fragment; saves nothing."""
    form = CheckForm()
    if not form.validate():
        abort(422)
    name = (form.name.data or "").strip()
    email = (form.email.data or "").strip() or None
    phone = (form.phone.data or "").strip() or None
    if not name or not (email or phone or len(name.split()) > 1):
        return render("duplicates/_check.html", block="warning", matches=[], names={})
    matches = services.likely_duplicates(name, email, phone)[:3]
    names = queries.customer_names([m["customer_id"] for m in matches])
    if matches:
        audit.record_now(
            "duplicates.registration_checked",
            record_type="customer",
            record_id=matches[0]["customer_id"],
            summary="Shown as a possible duplicate on the registration form",
            details={"customers": [m["customer_id"] for m in matches]},
        )
    return render(
        "duplicates/_check.html",
        block="warning",
        matches=matches,
        names=names,
        explain=rules.explain,
    )
