"""The customer data validation rules staff configure: the one check that registration,
profile edits, the CSV import and the JSON API go through, and saving a new version.

Existing customers who fail a newly saved rule keep their data; the save records how many
fail (the data-quality report on the rules page), and their next edit must fix the field.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.customers.models import Customer, ValidationRuleVersion
from portal.customers.queries import validation as queries
from portal.customers.rules import ErrorList, Errors, new_customer_errors
from portal.customers.rules.configured import RuleSet, ruleset_errors, violations
from portal.customers.values import CustomerType, NewCustomer, ProfileChanges
from portal.domain import Conflict, DomainError, use_case
from portal.extensions import db
from portal.limits import column_text_error
from portal.security import audit
from portal.security.models import User


def rules_in_force() -> RuleSet:
    """The highest version's rules (one primary-key read), or none before the first save."""
    found = db.session.scalar(
        select(ValidationRuleVersion.rules).order_by(ValidationRuleVersion.version.desc()).limit(1)
    )
    return RuleSet.from_json(found)


def configured_errors(customer_type: CustomerType, values: dict) -> Errors:
    """The one place the configured rules are enforced: `values` are the customer's fields
    as they would be saved, type data flattened in."""
    return violations(rules_in_force(), customer_type, values)


def registration_errors(data: NewCustomer) -> Errors:
    """Everything a new customer must satisfy: the domain's rules and the configured ones."""
    business = vars(data.business) if data.business else {}
    values = {"name": data.name, **vars(data.contact), **business, **data.type_data}
    errors = ErrorList()
    errors.extend(new_customer_errors(data))
    errors.extend(configured_errors(data.customer_type, values))
    return errors.as_dict()


def edit_errors(customer: Customer, changes: ProfileChanges) -> Errors:
    """The configured rules over the profile as the edit would leave it (the primary e-mail
    and phone change elsewhere, so the stored ones count)."""
    business = vars(changes.business) if changes.business else {}
    values = {
        "email": customer.email,
        "phone": customer.phone,
        **{k: v for k, v in vars(changes).items() if k not in ("type_data", "business")},
        **business,
        **changes.type_data,
    }
    return configured_errors(customer.customer_type, values)


@use_case
def save_rules(actor: User, rules: RuleSet, note: str) -> int:
    """A new version of the rules, in force from now on; refused whole when any rule is wrong.
    Records how many existing customers fail it, which the page reports."""
    errors = ErrorList()
    errors.extend(ruleset_errors(rules))
    if message := column_text_error(ValidationRuleVersion.note, note):
        errors.add("note", message)
    if errors.as_dict():
        raise DomainError(errors.as_dict())
    failing = queries.failing(rules)
    latest = db.session.scalar(select(func.max(ValidationRuleVersion.version))) or 0
    version = ValidationRuleVersion(
        version=latest + 1,
        rules=rules.to_json(),
        note=note.strip(),
        failing=failing.to_json(),
        created_by=actor.id,
    )
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:  # another save took this version number first
        db.session.rollback()
        raise Conflict("Someone saved a version meanwhile: review it, then save yours.") from None
    audit.record(
        "customer.validation_rules",
        user=actor,
        record_type="customer_validation_rules",
        record_id=str(version.version),
        summary=f"Saved validation rules version {version.version}: "
        f"{failing.total:,} existing customers fail them",
        details={"note": note.strip(), "rules": version.rules, "failing": version.failing},
    )
    db.session.commit()
    return version.version
