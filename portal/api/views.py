"""API endpoints: thin, like the pages: parse, call a query or the intake, answer JSON."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError

from portal.api import bp, queries
from portal.api.openapi import MAX_BATCH, document
from portal.api.tokens import require_token
from portal.errors import MESSAGES, error_response
from portal.events import intake
from portal.extensions import db
from portal.security.access import public


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())


@bp.get("/customers/<customer_id>")
@require_token("customers:read")
def customer_get(customer_id: str):
    found = queries.customer_by_id(customer_id)
    return jsonify(found) if found else error_response(404, "No such customer.")


@bp.get("/customers")
@require_token("customers:read")
def customer_find():
    email = request.args.get("email", "").strip()
    if not email:
        return error_response(400, "Give the e-mail address: ?email=…")
    return jsonify(items=queries.customers_by_email(email))


@bp.post("/events")
@require_token("events:write")
def event_intake():
    try:
        body = intake.decode(request.get_data())
        events = body if isinstance(body, list) else [body]
        if not 1 <= len(events) <= MAX_BATCH:
            raise intake.Refused(422, f"send 1 to {MAX_BATCH} events")
        results = []
        for index, event in enumerate(events):
            try:
                status = intake.consume(event, g.api_token.name)
            except intake.Refused as refused:
                if len(events) > 1:  # say which one, since the batch is refused whole
                    refused.details = [f"[{index}] {d}" for d in refused.details]
                raise
            results.append({"eventId": event["eventId"], "status": status})
        db.session.commit()
    except IntegrityError:  # the same eventId arrived concurrently on another request
        db.session.rollback()
        return error_response(409, "Some of these events are being taken in right now; retry.")
    except intake.Refused as refused:
        db.session.rollback()
        title = MESSAGES[refused.status][0]
        response = jsonify(
            error={
                "status": refused.status,
                "title": title,
                "detail": refused.reason,
                "problems": refused.details,
            }
        )
        response.status_code = refused.status
        return response
    return jsonify(results=results)
