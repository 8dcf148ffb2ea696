"""Forms check shape; the services check meaning (chains, currencies, separation of duties).

The rule editor's tiers and groups vary in number, so it reads the posted fields by name
(`t0_g1_roles`) into a RuleDraft instead of nesting WTForms field lists."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import HiddenInput

from portal.approvals import rules
from portal.approvals.models import ApprovalDelegation, ApprovalRequest, ApprovalStep
from portal.approvals.services import RuleDraft
from portal.approvals.values import (
    MAX_GROUPS,
    MAX_TIERS,
    DeadlineUnit,
    Decision,
    Operator,
    Status,
    Subject,
)
from portal.customers.values import PAYMENT_TERMS
from portal.forms import Form, MaxLength, fits
from portal.idempotency import OnceForm
from portal.labels import choices
from portal.limits import excerpt, whole_number
from portal.organizations.forms import ButtonForm

__all__ = ["ButtonForm", "DecisionForm", "DelegationForm", "FilterForm", "PaymentTermsForm"]

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "JMD", "TTD", "JPY")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _upper(value):
    return (value or "").strip().upper()


class DecisionForm(Form):
    decision = HiddenField(validators=[DataRequired(), MaxLength(20)])
    comment = TextAreaField("Comment", validators=[MaxLength(2000)])
    # The round and tier the approver saw: a decision never lands on a later tier.
    round = IntegerField(
        widget=HiddenInput(), validators=[InputRequired(), fits(ApprovalStep.round)]
    )
    tier = IntegerField(widget=HiddenInput(), validators=[InputRequired(), fits(ApprovalStep.tier)])

    def chosen(self) -> Decision | None:
        try:
            return Decision(self.decision.data)
        except ValueError:
            return None


class RequestForm(OnceForm):
    description = StringField(
        "What is it for", validators=[DataRequired(), fits(ApprovalRequest.description)]
    )
    amount = StringField("Amount", validators=[DataRequired(), MaxLength(30)])
    currency = SelectField("Currency", choices=_choices((c, c) for c in CURRENCIES), default="USD")
    lines = TextAreaField(
        "Lines", validators=[Optional(), MaxLength(4000)], description="One item per line"
    )

    def amount_minor(self) -> int | None:
        """The amount in minor units, or None with the message on the field."""
        try:
            return rules.parse_amount(self.amount.data or "", self.currency.data)
        except ValueError as wrong:
            self.amount.errors = [str(wrong)]
            return None

    def line_items(self) -> list[dict]:
        return [{"text": t.strip()} for t in (self.lines.data or "").splitlines() if t.strip()]


class FilterForm(Form):
    class Meta:
        csrf = False  # GET, changes nothing

    status = SelectField("Status", choices=choices(Status, blank="Any"), default="")
    subject = SelectField("Subject", choices=choices(Subject, blank="Any"), default="")
    min_amount = StringField("Amount at least", validators=[Optional(), MaxLength(30)])
    currency = SelectField("Currency", choices=_choices((c, c) for c in CURRENCIES), default="USD")
    older_than = IntegerField("Older than (days)", validators=[Optional(), NumberRange(0, 3650)])


class DelegationForm(OnceForm):
    delegate = SelectField("Who decides for you", validators=[InputRequired()])
    starts_on = DateField("From", validators=[InputRequired()])
    ends_on = DateField("Until", validators=[InputRequired()])
    reason = StringField("Reason", validators=[Optional(), fits(ApprovalDelegation.reason)])


class PaymentTermsForm(OnceForm):
    payment_terms = SelectField("New payment terms", choices=choices(PAYMENT_TERMS))


def _count(form: MultiDict, name: str, limit: int) -> int:
    return max(1, min(limit, whole_number(form.get(name, "1")) or 1))


def _thresholds(text: str, errors: dict) -> dict[str, int]:
    """Lines like "USD 5,000.00" → {"USD": 500000}."""
    found: dict[str, int] = {}
    for line in filter(None, (raw.strip() for raw in text.splitlines())):
        currency, _, amount = line.partition(" ")
        currency = _upper(currency)
        try:
            if not rules.CURRENCY.match(currency):
                raise ValueError("Start with a three-letter currency code.")
            found[currency] = rules.parse_amount(amount, currency)
        except ValueError as wrong:
            errors.setdefault("thresholds", []).append(f"{excerpt(line)}: {wrong}")
    return found


def _member(enum, value: str, default):
    return enum._value2member_map_.get(value, default)


def rule_draft(form: MultiDict, action: str = "") -> RuleDraft:
    """The posted editor as a RuleDraft, after applying `action` (add_tier,
    add_group:<tier>, remove_tier:<tier>) to its tiers."""
    errors: dict[str, list[str]] = {}
    tiers = [
        _count(form, f"t{t}_groups", MAX_GROUPS) for t in range(_count(form, "tiers", MAX_TIERS))
    ]
    kind, _, index = action.partition(":")
    chain = []
    for t, groups in enumerate(tiers):
        typed = form.get(f"t{t}_deadline", "").strip()
        deadline = whole_number(typed)
        if typed and deadline is None:
            errors.setdefault("chain", []).append(f"Tier {t + 1}: the deadline is a whole number.")
        chain.append(
            rules.Tier(
                groups=tuple(
                    rules.Group(
                        tuple(form.getlist(f"t{t}_g{g}_roles")),
                        tuple(form.getlist(f"t{t}_g{g}_members")),
                    )
                    for g in range(groups)
                ),
                deadline=deadline,
                unit=_member(DeadlineUnit, form.get(f"t{t}_unit", ""), DeadlineUnit.WORKING_DAYS),
            )
        )
    if kind == "add_tier" and len(chain) < MAX_TIERS:
        chain.append(rules.Tier(groups=(rules.Group(),)))
    elif kind == "add_group" and (at := whole_number(index)) is not None and at < len(chain):
        tier = chain[at]
        if len(tier.groups) < MAX_GROUPS:
            chain[at] = rules.Tier((*tier.groups, rules.Group()), tier.deadline, tier.unit)
    elif kind == "remove_tier" and (at := whole_number(index)) is not None and len(chain) > 1:
        chain.pop(min(at, len(chain) - 1))
    typed = form.get("position", "").strip()
    position = whole_number(typed) if typed else 0
    if position is None:
        errors["position"] = ["Enter a whole number."]
    return RuleDraft(
        name=form.get("name", ""),
        subject=_member(Subject, form.get("subject", ""), Subject.PURCHASE_ORDER),
        operator=_member(Operator, form.get("operator", ""), Operator.GT),
        thresholds=_thresholds(form.get("thresholds", ""), errors),
        chain=tuple(chain),
        requester_role_ids=tuple(form.getlist("requester_roles")),
        expire_when_overdue=form.get("expire_when_overdue") == "y",
        position=position or 0,
        errors=errors,
    )
