"""The validation rules form: per customer type, the optional fields it requires; pattern
rows (field, type, pattern, message). Shape only: rules.configured says what a rule may be."""

from __future__ import annotations

import wtforms
from wtforms import FieldList, FormField, SelectChoice, SelectField, StringField
from wtforms.validators import Optional

from portal.customers.forms.profile import CheckboxesField
from portal.customers.models import ValidationRuleVersion
from portal.customers.rules.configured import (
    MAX_PATTERNS,
    MESSAGE_LONGEST,
    PATTERN_LONGEST,
    PatternRule,
    RuleSet,
    patternable,
    requirable,
)
from portal.customers.values import CustomerType
from portal.forms import MaxLength, fits
from portal.idempotency import OnceForm
from portal.labels import label


def _field_choices(names) -> list[SelectChoice]:
    return [SelectChoice(name, label(name)) for name in names]


class PatternRowForm(wtforms.Form):
    """One pattern; a row left without field and pattern is no rule."""

    field = SelectField(
        "Field",
        choices=[SelectChoice("", "—"), *_field_choices(patternable())],
        validators=[Optional()],
    )
    customer_type = SelectField(
        "Customer type",
        choices=[SelectChoice("", "Every type"), *_field_choices(CustomerType)],
        validators=[Optional()],
    )
    pattern = StringField("Pattern", validators=[Optional(), MaxLength(PATTERN_LONGEST)])
    message = StringField(
        "Message when it does not match", validators=[Optional(), MaxLength(MESSAGE_LONGEST)]
    )

    def rule(self) -> PatternRule | None:
        if not (self.field.data or self.pattern.data):
            return None
        kind = self.customer_type.data
        return PatternRule(
            self.field.data or "",
            (self.pattern.data or "").strip(),
            (self.message.data or "").strip(),
            CustomerType(kind) if kind else None,
        )


def required_name(kind: CustomerType) -> str:
    return f"required_{kind.value}"


class ValidationRulesForm(OnceForm):
    patterns = FieldList(FormField(PatternRowForm), max_entries=MAX_PATTERNS)
    note = StringField("What changed and why", validators=[fits(ValidationRuleVersion.note)])

    def required_fields(self):
        return [self[required_name(kind)] for kind in CustomerType]

    def rules(self) -> RuleSet:
        required = {
            kind: tuple(self[required_name(kind)].data or ())
            for kind in CustomerType
            if self[required_name(kind)].data
        }
        rows = (row.form.rule() for row in self.patterns)
        return RuleSet(required, tuple(rule for rule in rows if rule is not None))

    def show_rule_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """The messages at their checkboxes or pattern rows; the rest are returned."""
        rows = {f"pattern_{n}": row.form.pattern for n, row in enumerate(self.patterns, 1)}
        for key, messages in list(errors.items()):
            if key in rows:
                rows[key].errors = [*rows[key].errors, *messages]
                del errors[key]
        return self.show_errors(errors)


for _kind in CustomerType:
    setattr(
        ValidationRulesForm,
        required_name(_kind),
        CheckboxesField(label(_kind), choices=_field_choices(requirable(_kind))),
    )


def rules_form(rules: RuleSet, **kwargs) -> ValidationRulesForm:
    """The form showing `rules`, with one empty pattern row to add another."""
    data = {required_name(kind): list(names) for kind, names in rules.required.items()}
    data["patterns"] = [
        {
            "field": p.field,
            "customer_type": p.customer_type.value if p.customer_type else "",
            "pattern": p.pattern,
            "message": p.message,
        }
        for p in rules.patterns
    ]
    form = ValidationRulesForm(data=data, **kwargs)
    if len(form.patterns) < MAX_PATTERNS and "formdata" in kwargs:
        form.patterns.append_entry()
    return form
