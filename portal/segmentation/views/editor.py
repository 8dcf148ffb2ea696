"""The segment list (priorities, counts, last recompute), the HTMX rule editor with its live
preview, rule versions, and a recompute started from the browser."""

from __future__ import annotations

from flask import abort, flash, request, url_for
from flask_login import current_user

from portal.domain import NON_FIELD, DomainError
from portal.extensions import db
from portal.formatting import format_number
from portal.htmx import redirect_after_post, render
from portal.idempotency import OnceForm, create_once
from portal.security.access import require
from portal.segmentation import bp, queries, services
from portal.segmentation.catalogue import rule_problems
from portal.segmentation.fields import FIELDS, OPERATOR_LABELS, TIME_UNITS
from portal.segmentation.forms import apply_action, draft_from_form, stored_draft
from portal.segmentation.models import Segment, SegmentType
from portal.segmentation.rules import MAX_DEPTH, RuleInvalid, empty_rule, validate

MANAGE = "customer:segmentation:manage"
BROKEN = "This rule cannot be evaluated, so it matches nobody until it is fixed (see below)."


def _segment_or_404(segment_id: str) -> Segment:
    segment = db.session.get(Segment, segment_id)
    if segment is None:
        abort(404)
    return segment


def _segment_type(raw: str | None) -> SegmentType:
    return SegmentType.B2B if raw == SegmentType.B2B else SegmentType.B2C


@bp.get("/")
@require("customer:read")
def segment_list():
    rows, last_run = queries.segment_overview()
    broken = {s.id: next(iter(p.values())) for s, _ in rows if (p := rule_problems(s))}
    return render("segmentation/list.html", rows=rows, last_run=last_run, broken=broken)


def _editor(segment: Segment | None, draft: dict, *, block="content", status=200, errors=None):
    segment_type = segment.segment_type if segment else _segment_type(request.values.get("type"))
    values = request.form if request.method == "POST" else {}
    return render(
        "segmentation/editor.html",
        block=block,
        status=status,
        segment=segment,
        segment_type=segment_type,
        name=values.get("name", segment.name if segment else ""),
        description=values.get("description", segment.description if segment else ""),
        draft=draft,
        errors=errors or {},
        fields=FIELDS,
        operator_labels=OPERATOR_LABELS,
        time_units=TIME_UNITS,
        max_depth=MAX_DEPTH,
        once=OnceForm(),
    )


@bp.get("/new")
@require(MANAGE)
def segment_new():
    return _editor(None, empty_rule())


@bp.get("/<segment_id>/edit")
@require(MANAGE)
def segment_edit(segment_id: str):
    segment = _segment_or_404(segment_id)
    problems = rule_problems(segment)
    if problems:
        problems[NON_FIELD] = BROKEN
    return _editor(segment, stored_draft(segment.rule), errors=problems)


@bp.post("/editor")
@require(MANAGE)
def segment_editor_action():
    """Add or remove a condition or group, or follow a field change: the builder again."""
    if request.htmx.target == "preview":
        # htmx posts the form's own preview refresh to the `formaction` of the builder button
        # clicked last: it still wants the preview, not a builder in the preview pane.
        return segment_preview()
    segment = (
        _segment_or_404(request.form["segment_id"]) if request.form.get("segment_id") else None
    )
    draft = apply_action(draft_from_form(request.form), request.form.get("action", ""))
    response = _editor(segment, draft, block="builder")
    response.headers["HX-Trigger"] = "rule-changed"
    return response


@bp.post("/preview")
@require(MANAGE)
def segment_preview():
    """Matching customers and moves in/out for the rule as it stands in the editor."""
    segment_id = request.form.get("segment_id") or "draft"
    saved = db.session.get(Segment, segment_id)
    try:
        rule = validate(draft_from_form(request.form))
    except RuleInvalid as invalid:
        return render("segmentation/_preview.html", block="preview", errors=invalid.errors)
    draft = Segment(
        id=segment_id,
        segment_type=saved.segment_type if saved else _segment_type(request.form.get("type")),
        priority=saved.priority if saved else 0,
        is_fallback=False,
        rule=rule,
    )
    result = queries.preview(draft, current_user.id)
    return render("segmentation/_preview.html", block="preview", preview=result, errors={})


def _save(segment: Segment | None):
    draft = draft_from_form(request.form)
    data = services.SegmentInput(
        name=request.form.get("name", ""),
        description=request.form.get("description", ""),
        segment_type=segment.segment_type if segment else _segment_type(request.form.get("type")),
        rule=draft,
    )
    try:
        if segment is None:  # a new segment is made once, however often its form is sent
            create_once(
                current_user,
                OnceForm(),
                lambda: services.save_segment(current_user, None, data),
                lambda _: url_for("segmentation.segment_list"),
            )
        else:
            services.save_segment(current_user, segment.id, data)
    except DomainError as refused:
        errors = {k: " ".join(v) for k, v in refused.errors.items()}
        segment = db.session.get(Segment, segment.id) if segment else None
        return _editor(segment, draft, status=422, errors=errors)
    flash(
        f"Segment “{data.name.strip()}” is saved; customers move at the next recompute.", "success"
    )
    return redirect_after_post("segmentation.segment_list", whole_page=True)


@bp.post("/new")
@require(MANAGE)
def segment_create():
    return _save(None)


@bp.post("/<segment_id>/edit")
@require(MANAGE)
def segment_update(segment_id: str):
    return _save(_segment_or_404(segment_id))


@bp.post("/<segment_id>/move")
@require(MANAGE)
def segment_move(segment_id: str):
    """Swap priorities with the neighbour above (`direction=up`) or below."""
    segment = _segment_or_404(segment_id)
    rows, _ = queries.segment_overview()
    ids = [s.id for s, _ in rows if s.segment_type == segment.segment_type and not s.is_fallback]
    if segment.id in ids:
        i = ids.index(segment.id)
        j = i - 1 if request.form.get("direction") == "up" else i + 1
        if 0 <= j < len(ids):
            ids[i], ids[j] = ids[j], ids[i]
            services.reorder_segments(current_user, segment.segment_type, ids)
            flash(f"Segment “{segment.name}” moved {'up' if j < i else 'down'}.", "success")
    return redirect_after_post("segmentation.segment_list", whole_page=True)


@bp.get("/<segment_id>/versions")
@require("customer:read")
def segment_versions(segment_id: str):
    segment = _segment_or_404(segment_id)
    return render(
        "segmentation/versions.html", segment=segment, versions=queries.rule_versions(segment_id)
    )


@bp.post("/recompute")
@require(MANAGE)
def segment_recompute():
    """Recompute every customer now (for large bases use `flask segments recompute`)."""
    run = services.recompute_all(current_user.id)
    flash(f"Segments recomputed: {format_number(run.changed)} customers moved.", "success")
    return redirect_after_post("segmentation.segment_list", whole_page=True)
