"""The approvals API for the Procurement system: submit a purchase order for approval and read
the decision. Bearer tokens with the `approvals` scope (portal.api.tokens); a system sees only
the requests it submitted. Bad input answers 4xx with a JSON error body, never 500."""

from __future__ import annotations

import re

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api.tokens import require_token
from portal.approvals import queries, services
from portal.approvals.models import ApprovalRequest
from portal.approvals.rules import CURRENCY, format_amount
from portal.approvals.values import Subject
from portal.approvals.views._common import rates
from portal.errors import MESSAGES, error_response
from portal.extensions import csrf, db
from portal.idempotency import once_per_key
from portal.limits import max_length
from portal.models import utcnow
from portal.organizations import queries as org_queries
from portal.organizations.models import OrganizationNode
from portal.organizations.rules import permissions_at
from portal.security.models import User

api = Blueprint("approvals_api", __name__, url_prefix="/api/v1/approvals")
csrf.exempt(api)

SCOPE = "approvals"
MAX_LINES = 200
REFERENCE = re.compile(r"^[A-Za-z0-9._:/-]{1,100}$")


def _problem(status: int, detail: str, problems: list[str] | None = None):
    response = jsonify(
        error={
            "status": status,
            "title": MESSAGES[status][0],
            "detail": detail,
            "problems": problems or [],
        }
    )
    response.status_code = status
    return response


def _checked(body) -> tuple[dict, list[str]]:
    """The body's fields, and what is wrong with them (shape only)."""
    if not isinstance(body, dict):
        return {}, ["the body must be a JSON object"]
    problems = []

    def text(name, limit, required=True):
        value = body.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            problems.append(f"{name}: a non-empty string of at most {limit} characters")
        return value

    amount = body.get("amountMinor")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount < 10**15:
        problems.append("amountMinor: a positive integer, in minor units (cents)")
    currency = body.get("currency")
    if not isinstance(currency, str) or not CURRENCY.match(currency):
        problems.append("currency: an ISO-4217 code such as USD")
    lines = body.get("lines", [])
    if not isinstance(lines, list) or len(lines) > MAX_LINES:
        problems.append(f"lines: a list of at most {MAX_LINES} objects")
    elif not all(isinstance(line, dict) for line in lines):
        problems.append("lines: each line is an object")
    reference = body.get("reference")
    if not isinstance(reference, str) or not REFERENCE.match(reference):
        problems.append("reference: your purchase-order number (letters, digits, . _ : / -)")
    fields = {
        "nodeId": text("nodeId", max_length(OrganizationNode.id)),
        "requesterEmail": text("requesterEmail", max_length(User.email)),
        "description": text("description", max_length(ApprovalRequest.description)),
        "amountMinor": amount,
        "currency": currency,
        "lines": lines,
        "reference": reference,
    }
    return fields, problems


def _requester(email: str, node: OrganizationNode) -> User | None:
    """The member placing the order: active, and allowed to order at that node."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return None
    grants = org_queries.grants(user.id, node.organization_id, utcnow().date())
    if grants is None or "org:orders:create" not in permissions_at(grants, node.path):
        return None
    return user


def _json(approval: ApprovalRequest) -> dict:
    steps = queries.history(approval)
    return {
        "id": approval.id,
        "reference": approval.external_ref,
        "status": approval.status,
        "subject": approval.subject,
        "description": queries.title(approval),
        "amountMinor": approval.amount_minor,
        "currency": approval.currency,
        "amount": format_amount(approval.amount_minor, approval.currency),
        "nodeId": approval.node_id,
        "round": approval.round,
        "tier": approval.tier + 1 if approval.chain else None,
        "tiers": len(approval.chain),
        "rule": approval.rule_name or None,
        "createdAt": approval.created_at.isoformat(),
        "completedAt": approval.completed_at.isoformat() if approval.completed_at else None,
        "steps": [
            {
                "action": s["action"],
                "round": s["round"],
                "tier": s["tier"],
                "by": s["by"],
                "onBehalfOf": s["on_behalf_of"],
                "comment": s["comment"],
                "at": s["at"].isoformat(),
            }
            for s in steps
        ],
    }


@api.post("/requests")
@require_token(SCOPE)
@once_per_key
def request_create():
    fields, problems = _checked(request.get_json(silent=True))
    if problems:
        return _problem(422 if fields else 400, "The request is not valid.", problems)
    node = db.session.get(OrganizationNode, fields["nodeId"])
    if node is None:
        return _problem(404, "No such organisation node.", ["nodeId: unknown"])
    requester = _requester(fields["requesterEmail"], node)
    if requester is None:
        return _problem(
            422,
            "The requester cannot order there.",
            ["requesterEmail: not an active member who may place orders at that node"],
        )
    known = db.session.scalar(
        select(ApprovalRequest.id).where(
            ApprovalRequest.source == g.api_token.name,
            ApprovalRequest.external_ref == fields["reference"],
        )
    )
    draft = services.Draft(
        Subject.PURCHASE_ORDER,
        fields["description"],
        amount_minor=fields["amountMinor"],
        currency=fields["currency"],
        lines=fields["lines"],
    )
    try:  # a refusal is answered by the error handler, with its status and problems
        created = services.submit(
            requester,
            node.id,
            draft,
            rates=rates(),
            source=g.api_token.name,
            external_ref=fields["reference"],
        )
    except IntegrityError:  # the same reference arrived at the same moment on another call
        db.session.rollback()
        return _problem(409, "This reference is being submitted right now; retry to read it.")
    response = jsonify(_json(created))
    response.status_code = 200 if known else 201
    return response


def _own(request_id: str) -> ApprovalRequest | None:
    approval = db.session.get(ApprovalRequest, request_id)
    return approval if approval and approval.source == g.api_token.name else None


@api.get("/requests/<request_id>")
@require_token(SCOPE)
def request_read(request_id: str):
    approval = _own(request_id)
    return jsonify(_json(approval)) if approval else error_response(404, "No such request.")


@api.get("/requests")
@require_token(SCOPE)
def request_find():
    reference = request.args.get("reference", "")
    if not REFERENCE.match(reference):
        return error_response(400, "Give your purchase-order number: ?reference=…")
    approval = db.session.scalar(
        select(ApprovalRequest).where(
            ApprovalRequest.source == g.api_token.name,
            ApprovalRequest.external_ref == reference,
        )
    )
    return jsonify(_json(approval)) if approval else error_response(404, "No such request.")
