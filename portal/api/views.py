"""API endpoints: thin, like the pages: parse, call a query or the intake, answer JSON. The
refusals they raise are answered here, in the one error shape of portal.errors."""

from __future__ import annotations

from flask import g, jsonify, request
from sqlalchemy.exc import IntegrityError

from portal.api import bp, queries
from portal.api.bodies import Invalid
from portal.api.openapi import MAX_BATCH, document
from portal.api.tokens import record_reads, require_token
from portal.customers.hooks import survivor_of
from portal.errors import error_response
from portal.events import intake
from portal.extensions import db
from portal.idempotency import once_per_key
from portal.metrics import customer_lookup
from portal.security.access import public


@bp.errorhandler(Invalid)
def invalid(refusal: Invalid):
    return error_response(refusal.status, refusal.detail, refusal.problems)


@bp.errorhandler(intake.Refused)
def event_refused(refused: intake.Refused):
    return error_response(refused.status, refused.reason, refused.details)


@bp.errorhandler(IntegrityError)
def concurrent(_exc: IntegrityError):
    # The unique key the creates rely on (an eventId, a reference) was taken meanwhile.
    db.session.rollback()
    return error_response(409, "The same arrived at the same moment on another call; retry.")


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(document())


@bp.get("/customers/<customer_id>")
@customer_lookup
@require_token("customers:read")
def customer_get(customer_id: str):
    # A merged customer's id answers with the survivor (whose `id` tells the client).
    found = queries.customer_by_id(customer_id)
    if not found and (survivor := survivor_of(customer_id)):
        found = queries.customer_by_id(survivor)
    if not found:
        return error_response(404, "No such customer.")
    record_reads([found["id"]], "Read through the API")
    return jsonify(found)


@bp.get("/customers")
@customer_lookup
@require_token("customers:read")
def customer_find():
    email = request.args.get("email", "").strip()
    if not email:
        return error_response(400, "Give the e-mail address: ?email=…")
    found = queries.customers_by_email(email)
    record_reads([c["id"] for c in found], "Found by e-mail through the API")
    return jsonify(items=found)


@bp.post("/events")
@require_token("events:write")
@once_per_key
def event_intake():
    results = intake.take_all(intake.decode(request.get_data()), g.api_token.name, MAX_BATCH)
    return jsonify(results=results)
