"""API endpoints: thin, like the pages: parse, call a query or the intake, answer JSON."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError

from portal.api import bp, queries
from portal.api.openapi import MAX_BATCH, document
from portal.api.tokens import require_token
from portal.errors import MESSAGES, error_response
from portal.events import intake
from portal.idempotency import once_per_key
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
@once_per_key
def event_intake():
    try:
        results = intake.take_all(intake.decode(request.get_data()), g.api_token.name, MAX_BATCH)
    except IntegrityError:  # the same eventId arrived concurrently on another request
        return error_response(409, "Some of these events are being taken in right now; retry.")
    except intake.Refused as refused:
        response = jsonify(
            error={
                "status": refused.status,
                "title": MESSAGES[refused.status][0],
                "detail": refused.reason,
                "problems": refused.details,
            }
        )
        response.status_code = refused.status
        return response
    return jsonify(results=results)
