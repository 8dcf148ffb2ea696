"""The event browser and the parked (refused) consumed events."""

from __future__ import annotations

import json

from flask import abort, flash, request
from flask_login import current_user

from portal.events import intake, queries
from portal.events.forms import EventFilterForm
from portal.events.models import OutboxEvent, ParkedEvent
from portal.events.views import bp
from portal.extensions import db
from portal.htmx import redirect_after_post, render
from portal.security import audit
from portal.security.access import require

PARKED_STATUSES = ("parked", "replayed", "discarded")


@bp.get("/events")
@require("admin:events:read")
def event_list():
    form = EventFilterForm(request.args)
    status = 200
    if form.validate():
        filters = queries.EventFilter(
            type=form.type.data or "",
            aggregate=form.aggregate.data or "",
            status=form.status.data or "",
            date_from=form.date_from.data,
            date_to=form.date_to.data,
        )
        page = queries.event_page(filters, form.page.data or 1)
    else:
        page, status = None, 422
    block = "results" if request.htmx.target == "event-results" else "content"
    return render("events/list.html", form=form, page=page, block=block, status=status)


@bp.get("/events/<event_id>")
@require("admin:events:read")
def event_detail(event_id: str):
    event = db.session.get(OutboxEvent, event_id) or abort(404)
    return render(
        "events/detail.html",
        event=event,
        payload=json.dumps(event.payload, indent=2, ensure_ascii=False),
        deliveries=queries.event_deliveries(event.id),
    )


@bp.get("/events/parked")
@require("admin:events:read")
def parked_list():
    shown = request.args.get("status", "parked")
    if shown not in PARKED_STATUSES:
        abort(404)
    page = queries.parked_page(shown, request.args.get("page", 1, type=int) or 1)
    return render(
        "events/parked.html",
        page=page,
        shown=shown,
        statuses=PARKED_STATUSES,
        can_manage=current_user.can("admin:integrations:manage"),
    )


def _load_parked(parked_id: int) -> ParkedEvent:
    parked = db.session.get(ParkedEvent, parked_id)
    if parked is None or parked.status != "parked":
        abort(404)
    return parked


@bp.post("/events/parked/<int:parked_id>/replay")
@require("admin:integrations:manage")
def parked_replay(parked_id: int):
    parked = _load_parked(parked_id)
    refused = intake.replay(parked, current_user.id)
    audit.record_now(
        "event.replay",
        record_type="parked_event",
        record_id=str(parked_id),
        outcome=audit.FAILURE if refused else audit.SUCCESS,
        summary=refused or f"Replayed {parked.type or 'event'} {parked.event_id or ''}",
    )
    flash(f"Still refused: {refused}" if refused else "Replayed.", "error" if refused else "ok")
    return redirect_after_post("events.parked_list")


@bp.post("/events/parked/<int:parked_id>/discard")
@require("admin:integrations:manage")
def parked_discard(parked_id: int):
    parked = _load_parked(parked_id)
    audit.record(
        "event.discard",
        record_type="parked_event",
        record_id=str(parked_id),
        summary=f"Discarded {parked.type or 'event'} {parked.event_id or ''}",
    )
    intake.resolve(parked, "discarded", current_user.id)
    flash("Discarded.", "ok")
    return redirect_after_post("events.parked_list")
