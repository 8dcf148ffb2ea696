"""Forms check shape; the services check meaning (chains, currencies, separation of duties).

The rule editor's tiers and groups vary in number, so it reads the posted fields by name
(`t0_g1_roles`) into a RuleDraft instead of nesting WTForms field lists."""

from __future__ import annotations

from flask_wtf import FlaskForm
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
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.approvals import rules
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
from portal.idempotency import OnceForm
from portal.organizations.forms import ButtonForm

__all__ = ["ButtonForm", "DecisionForm", "DelegationForm", "FilterForm", "PaymentTermsForm"]

CURRENCIES = ("USD", "EUR", "GBP", "CAD", "JMD", "TTD", "JPY")


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _any(members) -> list[SelectChoice]:
    return _choices([("", "Any"), *((m.value, m.label) for m in members)])


def _upper(value):
    return (value or "").strip().upper()


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    comment = TextAreaField("Comment", validators=[Length(max=2000)])
    # The round and tier the approver saw: a decision never lands on a later tier.
    round = HiddenField(validators=[DataRequired()])
    tier = HiddenField(validators=[DataRequired()])

    def chosen(self) -> Decision | None:
        try:
            return Decision(self.decision.data)
        except ValueError:
            return None


class RequestForm(OnceForm):
    description = StringField("What is it for", validators=[DataRequired(), Length(max=500)])
    amount = StringField("Amount", validators=[DataRequired(), Length(max=20)])
    currency = SelectField("Currency", choices=_choices((c, c) for c in CURRENCIES), default="USD")
    lines = TextAreaField(
        "Lines", validators=[Optional(), Length(max=4000)], description="One item per line"
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


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # GET, changes nothing

    status = SelectField("Status", choices=_any(Status), default="")
    subject = SelectField("Subject", choices=_any(Subject), default="")
    min_amount = StringField("Amount at least", validators=[Optional(), Length(max=20)])
    currency = SelectField("Currency", choices=_choices((c, c) for c in CURRENCIES), default="USD")
    older_than = IntegerField("Older than (days)", validators=[Optional(), NumberRange(0, 3650)])


class DelegationForm(OnceForm):
    delegate = SelectField("Who decides for you", validators=[InputRequired()])
    starts_on = DateField("From", validators=[InputRequired()])
    ends_on = DateField("Until", validators=[InputRequired()])
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class PaymentTermsForm(OnceForm):
    payment_terms = SelectField(
        "New payment terms", choices=_choices((t, t) for t in PAYMENT_TERMS)
    )


def _count(form: MultiDict, name: str, limit: int) -> int:
    try:
        return max(1, min(limit, int(form.get(name, 1))))
    except ValueError:
        return 1


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
            errors.setdefault("thresholds", []).append(f"{line}: {wrong}")
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
        deadline = form.get(f"t{t}_deadline", "").strip()
        if deadline and not deadline.isdigit():
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
                deadline=int(deadline) if deadline.isdigit() else None,
                unit=_member(DeadlineUnit, form.get(f"t{t}_unit", ""), DeadlineUnit.WORKING_DAYS),
            )
        )
    if kind == "add_tier" and len(chain) < MAX_TIERS:
        chain.append(rules.Tier(groups=(rules.Group(),)))
    elif kind == "add_group" and index.isdigit() and int(index) < len(chain):
        tier = chain[int(index)]
        if len(tier.groups) < MAX_GROUPS:
            chain[int(index)] = rules.Tier((*tier.groups, rules.Group()), tier.deadline, tier.unit)
    elif kind == "remove_tier" and index.isdigit() and len(chain) > 1:
        chain.pop(min(int(index), len(chain) - 1))
    return RuleDraft(
        name=form.get("name", "")[:120],
        subject=_member(Subject, form.get("subject", ""), Subject.PURCHASE_ORDER),
        operator=_member(Operator, form.get("operator", ""), Operator.GT),
        thresholds=_thresholds(form.get("thresholds", ""), errors),
        chain=tuple(chain),
        requester_role_ids=tuple(form.getlist("requester_roles")),
        expire_when_overdue=form.get("expire_when_overdue") == "y",
        position=int(form["position"]) if form.get("position", "").isdigit() else 0,
        errors=errors,
    )
