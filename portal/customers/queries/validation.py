"""What the validation rules page shows: the version in force, the history of versions, and
how many existing customers a rule set would fail (the preview and the data-quality report).

The count is one SELECT over `customer`, a single scan whatever the number of rules, the
patterns run by the database's own regular expressions (rules.configured
keeps them to a subset PostgreSQL and Python read alike). Closed accounts are left out: they
are never edited again.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    text,
)

from portal.customers.models import Customer, ValidationRuleVersion
from portal.customers.rules.configured import COLUMNS, VALUE_LONGEST, RuleSet, anchored
from portal.customers.values import CustomerStatus
from portal.extensions import db
from portal.security.models import User


@dataclass(frozen=True)
class Failing:
    """Existing customers a rule set fails: in all, and per rule (description, count)."""

    total: int
    rules: list[tuple[str, int]]

    def to_json(self) -> dict:
        return {"total": self.total, "rules": [list(rule) for rule in self.rules]}

    @classmethod
    def from_json(cls, data: dict) -> Failing:
        return cls(data["total"], [tuple(rule) for rule in data["rules"]])


class Version(NamedTuple):
    version: int
    rules: RuleSet
    note: str
    failing: Failing
    created_by: str
    created_at: datetime


def _value(name: str) -> ColumnElement:
    if name in COLUMNS:
        return cast(getattr(Customer, name), String)
    return Customer.type_data[name].as_string()


def _missing(name: str) -> ColumnElement:
    value = _value(name)
    blank = ("", "[]") if name not in COLUMNS else ("",)
    return or_(value.is_(None), value.in_(blank))


def _conditions(rules: RuleSet) -> list[ColumnElement]:
    """One condition per rule, in RuleSet.rules() order: the customer fails that rule."""
    found = [
        and_(Customer.customer_type == kind, _missing(name))
        for kind, names in rules.required.items()
        for name in names
    ]
    for rule in rules.patterns:
        value = _value(rule.field)
        fails = and_(
            value.is_not(None),
            value != "",
            func.length(value) <= VALUE_LONGEST,
            not_(value.regexp_match(anchored(rule.pattern))),
        )
        if rule.customer_type is not None:
            fails = and_(Customer.customer_type == rule.customer_type, fails)
        found.append(fails)
    return found


# Rules per bitmask column: a BIGINT holds 62 bits without reaching its sign.
BITS = 62


def _mask(conditions: list[ColumnElement]) -> ColumnElement:
    bits = (
        case((c, literal(1 << i, BigInteger)), else_=literal(0, BigInteger))
        for i, c in enumerate(conditions)
    )
    return functools.reduce(operator.add, bits)


def failing(rules: RuleSet) -> Failing:
    """How many open accounts break `rules`, in all and per rule.

    One scan that evaluates each rule once per customer: every customer gets a bitmask of the
    rules it fails and the database counts customers per mask (a handful of distinct masks);
    a FILTER per rule plus one for "any" would run every pattern twice.
    """
    conditions = _conditions(rules)
    if not conditions:
        return Failing(0, [])
    chunks = [conditions[i : i + BITS] for i in range(0, len(conditions), BITS)]
    masks = [_mask(chunk).label(f"mask_{n}") for n, chunk in enumerate(chunks)]
    if db.engine.dialect.name == "postgresql":
        # The planner expects a million distinct masks where there are a handful, and so
        # scans serially; computing the masks in parallel workers halves the wall time.
        # SET LOCAL: until the end of this transaction only.
        for setting in ("parallel_setup_cost = 0", "parallel_tuple_cost = 0", "enable_sort = off"):
            db.session.execute(text(f"SET LOCAL {setting}"))
    rows = db.session.execute(
        select(*masks, func.count())
        .where(Customer.status != CustomerStatus.CLOSED)
        .group_by(*(mask.name for mask in masks))
    ).all()
    per_rule = [0] * len(conditions)
    total = 0
    for *row_masks, count in rows:
        if any(row_masks):
            total += count
        for n, mask in enumerate(row_masks):
            for bit in range(min(BITS, len(conditions) - n * BITS)):
                if mask >> bit & 1:
                    per_rule[n * BITS + bit] += count
    descriptions = [description for description, _kind, _field in rules.rules()]
    return Failing(total, list(zip(descriptions, per_rule, strict=True)))


def _version(row: ValidationRuleVersion) -> Version:
    return Version(
        row.version,
        RuleSet.from_json(row.rules),
        row.note,
        Failing.from_json(row.failing),
        row.created_by,
        row.created_at,
    )


def in_force() -> Version | None:
    """The highest version (primary key order), or None before the first save."""
    row = db.session.scalar(
        select(ValidationRuleVersion).order_by(ValidationRuleVersion.version.desc()).limit(1)
    )
    return _version(row) if row else None


def versions(limit: int = 50) -> list[Version]:
    """The latest versions, newest first, each with the name of who saved it."""
    rows = list(
        db.session.scalars(
            select(ValidationRuleVersion)
            .order_by(ValidationRuleVersion.version.desc())
            .limit(limit)
        )
    )
    ids = {row.created_by for row in rows}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    return [
        _version(row)._replace(created_by=names.get(row.created_by, row.created_by)) for row in rows
    ]
