"""The customer data validation rules page (CustomerManagementAdminService): the rules in
force with the existing customers they fail, a preview of an edited set (counted in a second
request the page makes, so that it answers at once), saving a new version, and the history of
versions."""

from __future__ import annotations

from flask import flash, url_for
from flask_login import current_user

from portal.customers import bp
from portal.customers.forms.validation import ValidationRulesForm, rules_form
from portal.customers.queries import validation as queries
from portal.customers.rules.configured import RuleSet, ruleset_errors
from portal.customers.services import validation as services
from portal.domain import DomainError
from portal.htmx import render, see_other
from portal.idempotency import create_once
from portal.security.access import require


def _page(form: ValidationRulesForm, *, status: int = 200, errors=(), block="content", **context):
    return render(
        "customers/validation_rules.html",
        block=block,
        status=status,
        form=form,
        form_errors=list(errors),
        in_force=queries.in_force(),
        versions=queries.versions(),
        **context,
    )


@bp.get("/validation-rules")
@require("customer:manage")
def validation_rules():
    current = queries.in_force()
    return _page(rules_form(current.rules if current else RuleSet(), formdata=None))


@bp.post("/validation-rules")
@require("customer:manage")
def validation_rules_save():
    form = ValidationRulesForm()
    if not form.validate():
        return _page(form, status=422)
    try:
        create_once(
            current_user,
            form,
            lambda: services.save_rules(current_user, form.rules(), form.note.data or ""),
            lambda _version: url_for("customers.validation_rules"),
        )
    except DomainError as refused:
        return _page(form, status=422, errors=form.show_rule_errors(dict(refused.errors)))
    flash("The validation rules are saved as a new version and apply from now on.", "success")
    return see_other(url_for("customers.validation_rules"))


@bp.post("/validation-rules/preview")
@require("customer:manage")
def validation_rules_preview():
    """The rules as edited, checked; the page answers at once and asks for the count after
    (validation_rules_count): the count reads every customer, seconds at a million."""
    form = ValidationRulesForm()
    if not form.validate():
        return _page(form, status=422)
    if errors := ruleset_errors(form.rules()):
        return _page(form, status=422, errors=form.show_rule_errors(errors))
    return _page(form, counting=True)


@bp.post("/validation-rules/preview/count")
@require("customer:manage")
def validation_rules_count():
    """How many existing customers the rules as edited would fail; nothing is saved. From the
    preview's HTMX request, the count alone; without JavaScript, the page with it."""
    form = ValidationRulesForm()
    rules = form.rules() if form.validate() else None
    if rules is None or ruleset_errors(rules):
        return _page(form, status=422, block="preview_result", refused=True)
    return _page(form, block="preview_result", preview=queries.failing(rules))
