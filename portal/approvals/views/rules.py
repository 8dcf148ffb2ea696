"""The rules of a node: which rule governs it and where that comes from; the HTMX editor."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal.approvals import bp, directory, queries, services
from portal.approvals.forms import CURRENCIES, ButtonForm, rule_draft
from portal.approvals.models import ApprovalRule
from portal.approvals.rules import Group, Tier, chain_from_json, format_amount, format_major
from portal.approvals.values import DeadlineUnit, Operator, Subject
from portal.approvals.views._common import done
from portal.domain import DomainError
from portal.extensions import db
from portal.htmx import render
from portal.idempotency import OnceForm, create_once
from portal.models import utcnow
from portal.organizations.access import held, load_node_or_404, require_org
from portal.organizations.permissions import VIEW
from portal.organizations.queries import chain as node_chain
from portal.organizations.queries import children as node_children

RULES = "org:approvals:rules"


def _load_rule_or_404(rule_id: str) -> tuple[ApprovalRule, object]:
    rule = db.session.get(ApprovalRule, rule_id)
    if rule is None:
        abort(404)
    return rule, load_node_or_404(rule.node_id, RULES)


@bp.get("/nodes/<node_id>/rules")
@require_org(VIEW)
def rule_list(node_id: str):
    node = load_node_or_404(node_id, VIEW)
    return render(
        "approvals/rules.html",
        node=node,
        chain=node_chain(node),
        below=node_children(node),
        governing=queries.governing_rules(node),
        subjects=Subject,
        may_edit=RULES in held(node),
        may_request="org:orders:create" in held(node),
        format_amount=format_amount,
        button=ButtonForm(),
    )


def _stored_draft(rule: ApprovalRule) -> services.RuleDraft:
    return services.RuleDraft(
        name=rule.name,
        subject=Subject(rule.subject),
        operator=Operator(rule.operator),
        thresholds=rule.thresholds,
        chain=chain_from_json(rule.chain),
        requester_role_ids=tuple(rule.requester_role_ids),
        expire_when_overdue=rule.expire_when_overdue,
        position=rule.position,
    )


NEW_DRAFT = services.RuleDraft(
    name="",
    subject=Subject.PURCHASE_ORDER,
    operator=Operator.GT,
    thresholds={},
    chain=(Tier(groups=(Group(),)),),
)


def _editor(node, draft, rule=None, status=200, errors=None):
    return render(
        "approvals/rule_form.html",
        block="editor" if request.htmx.target == "rule-editor" else "content",
        status=status,
        node=node,
        rule=rule,
        draft=draft,
        errors=errors or {},
        thresholds="\n".join(f"{c} {format_major(m, c)}" for c, m in draft.thresholds.items()),
        roles=directory.role_choices(node.organization_id),
        members=directory.member_choices(node.organization_id, utcnow().date()),
        subjects=Subject,
        operators=Operator,
        units=DeadlineUnit,
        currencies=CURRENCIES,
        # Carries the new rule's token, kept while the editor's buttons shape the draft.
        button=OnceForm(),
    )


def _save(node, rule=None):
    """Apply the editor's buttons (add a tier, a group...) or save; 422 with the messages."""
    form: MultiDict = request.form
    once = OnceForm()
    if not once.validate_on_submit():
        abort(400)
    action = form.get("action", "save")
    draft = rule_draft(form, action)
    if action != "save":
        return _editor(node, draft, rule)
    try:
        if rule is None:  # a new rule is made once, however often its form is sent
            listed = url_for("approvals.rule_list", node_id=node.id)
            create_once(
                current_user,
                once,
                lambda: services.save_rule(current_user, node.id, draft),
                lambda _: listed,
            )
        else:
            services.save_rule(current_user, node.id, draft, rule.id)
    except DomainError as refusal:
        return _editor(node, draft, rule, 422, refusal.errors)
    return done(f"Saved the rule {draft.name.strip()}.", "approvals.rule_list", node_id=node.id)


@bp.route("/nodes/<node_id>/rules/new", methods=["GET", "POST"])
@require_org(RULES)
def rule_create(node_id: str):
    node = load_node_or_404(node_id, RULES)
    if request.method == "GET":
        return _editor(node, NEW_DRAFT)
    return _save(node)


@bp.route("/rules/<rule_id>/edit", methods=["GET", "POST"])
@require_org(RULES)
def rule_edit(rule_id: str):
    rule, node = _load_rule_or_404(rule_id)
    if request.method == "GET":
        return _editor(node, _stored_draft(rule), rule)
    return _save(node, rule)


@bp.post("/rules/<rule_id>/delete")
@require_org(RULES)
def rule_delete(rule_id: str):
    rule, node = _load_rule_or_404(rule_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    name = rule.name
    services.delete_rule(current_user, rule.id)
    return done(f"Deleted the rule {name}.", "approvals.rule_list", node_id=node.id)
