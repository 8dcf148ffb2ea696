"""Segment rules compiled to SQLAlchemy expressions over `customer` and its `Sources`.

Customers are never loaded to be evaluated: a rule becomes one boolean SQL expression, and all
segments of a type become one CASE that picks the first (highest-priority) rule that matches.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, false, func, or_, true

from portal.segmentation.fields import FIELDS, Sources


def compile_rule(rule: dict, sources: Sources) -> ColumnElement:
    """The SQL truth of a validated rule (see rules.validate)."""
    if rule["kind"] == "group":
        parts = [compile_rule(child, sources) for child in rule["children"]]
        if not parts:
            return true() if rule["op"] == "and" else false()
        return and_(*parts) if rule["op"] == "and" else or_(*parts)
    return compile_condition(rule, sources)


def months_ago(now: datetime, months: int) -> datetime:
    """The same day `months` calendar months earlier (clamped to that month's last day)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _moment(now: datetime, value: dict) -> datetime:
    if value["unit"] == "months":
        return months_ago(now, value["amount"])
    return now - timedelta(days=value["amount"])


def _day_start(iso: str) -> datetime:
    return datetime.combine(date.fromisoformat(iso), time(), tzinfo=UTC)


def compile_condition(condition: dict, sources: Sources) -> ColumnElement:
    field = FIELDS[condition["field"]]
    column = field.sql(sources, condition)
    operator, value = condition["operator"], condition.get("value")
    if field.kind == "text":
        column = func.lower(column)
        value = [v.lower() for v in value] if isinstance(value, list) else value
        value = value.lower() if isinstance(value, str) else value
    match operator:
        case "eq":
            return column == value
        case "ne":  # "is not X" includes customers for whom the field is unknown
            return or_(column.is_(None), column != value)
        case "gt":
            return column > value
        case "gte":
            return column >= value
        case "lt":
            return column < value
        case "lte":
            return column <= value
        case "between":
            return column.between(value[0], value[1])
        case "in":
            return column.in_(value)
        case "not_in":
            return or_(column.is_(None), column.not_in(value))
        case "is_empty":
            return column.is_(None)
        case "is_not_empty":
            return column.is_not(None)
        case "is_true":
            return column.is_(True)
        case "is_false":
            return column.is_(False)
        case "within_last":
            return column >= _moment(sources.now, value)
        case "more_than_ago":
            return column < _moment(sources.now, value)
        case "before":
            return column < _day_start(value)
        case "after":
            return column >= _day_start(value) + timedelta(days=1)
    raise ValueError(f"unknown operator {operator!r}")
