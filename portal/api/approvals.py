"""The approvals API for the Procurement system: submit a purchase order for approval and read
the decision. A system sees only the requests it submitted (its token's name is their source)."""

from __future__ import annotations

from flask import g, jsonify, request

from portal.api import bp, queries
from portal.api.bodies import checked_body
from portal.api.openapi import problems
from portal.api.tokens import require_token
from portal.approvals import queries as approvals
from portal.approvals import services
from portal.approvals.fx import rates
from portal.approvals.values import Subject
from portal.errors import error_response
from portal.idempotency import once_per_key
from portal.models import utcnow

SCOPE = "approvals"


@bp.post("/approvals/requests")
@require_token(SCOPE)
@once_per_key
def approval_submit():
    body = checked_body("ApprovalSubmission")
    node = approvals.node(body["nodeId"])
    if node is None:
        return error_response(404, "No such organisation node.", ["nodeId: unknown"])
    requester = approvals.orderer(body["requesterEmail"], node, utcnow().date())
    if requester is None:
        return error_response(
            422,
            "The requester cannot order there.",
            ["requesterEmail: not an active member who may place orders at that node"],
        )
    source, reference = g.api_token.name, body["reference"]
    known = approvals.by_reference(source, reference) is not None
    draft = services.Draft(
        Subject.PURCHASE_ORDER,
        body["description"],
        amount_minor=body["amountMinor"],
        currency=body["currency"],
        lines=body.get("lines", []),
    )
    created = services.submit(
        requester, node.id, draft, rates=rates(), source=source, external_ref=reference
    )
    return jsonify(queries.approval(created)), 200 if known else 201


@bp.get("/approvals/requests/<request_id>")
@require_token(SCOPE)
def approval_read(request_id: str):
    found = approvals.submitted_by(g.api_token.name, request_id)
    return jsonify(queries.approval(found)) if found else error_response(404, "No such request.")


@bp.get("/approvals/requests")
@require_token(SCOPE)
def approval_find():
    reference = request.args.get("reference", "")
    if wrong := problems("reference", reference, "reference"):
        return error_response(400, "Give your purchase-order number: ?reference=…", wrong)
    found = approvals.by_reference(g.api_token.name, reference)
    return jsonify(queries.approval(found)) if found else error_response(404, "No such request.")
