"""Segment rules as data: validation of a draft tree, a readable description, and the diff
between two versions. Pure functions; compiling to SQL lives in `compiler`.

A rule is a tree. A group is {"kind": "group", "op": "and"|"or", "children": [...]}; a
condition is {"kind": "condition", "field", "operator", "value"} plus "days" for windowed
fields. A draft (from the editor's form) has the same shape with text values; `validate` turns
it into the stored form or raises RuleInvalid with one message per node path ("r", "r.0.1").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation

from portal.formatting import format_money as money
from portal.formatting import format_number
from portal.labels import coded, label
from portal.segmentation.fields import (
    BASE_CURRENCY,
    FIELDS,
    NO_VALUE,
    OPERATOR_LABELS,
    RELATIVE,
    TIME_UNITS,
    Field,
)

ROOT = "r"
# In a draft condition: the field asked for, which the catalogue does not have (forms._shape).
UNKNOWN_FIELD = "unknown_field"
MAX_NODES = 200
MAX_DEPTH = 5  # levels of groups, the outermost one included
# Dates a condition may name: the compiled rule adds a day to them, which 9999-12-31 overflows.
DATES = (date(1900, 1, 1), date(2999, 12, 31))
MAX_AMOUNT = 10**12
WINDOWED_KEY = re.compile(r"(\w+?)_(\d+)d")


class RuleInvalid(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__("invalid rule")
        self.errors = errors


def empty_rule() -> dict:
    return {"kind": "group", "op": "and", "children": []}


def validate(draft: dict) -> dict:
    """The stored form of `draft`, or RuleInvalid naming each bad node."""
    errors: dict[str, str] = {}
    rule = _node(draft, ROOT, errors, [0])
    if errors:
        raise RuleInvalid(errors)
    return rule


def depth(path: str) -> int:
    """How many groups hold the node at `path` ("r" 0, "r.1" 1, "r.1.0" 2)."""
    return path.count(".")


def _node(node: dict, path: str, errors: dict[str, str], seen: list[int]) -> dict:
    seen[0] += 1
    if seen[0] > MAX_NODES:
        errors.setdefault(ROOT, f"A rule has at most {MAX_NODES} conditions and groups.")
        return {}
    if node.get("kind") == "group":
        children = node.get("children") or []
        if not children:
            errors[path] = "Add at least one condition to this group."
        if depth(path) >= MAX_DEPTH:
            errors[path] = f"Groups nest at most {MAX_DEPTH} deep."
        op = node.get("op")
        if op not in ("and", "or"):
            errors[path] = "Choose ALL (and) or ANY (or)."
        return {
            "kind": "group",
            "op": op,
            "children": [
                _node(child, f"{path}.{i}", errors, seen) for i, child in enumerate(children)
            ],
        }
    try:
        return _condition(node)
    except ValueError as error:
        errors[path] = str(error)
        return {}


def _condition(node: dict) -> dict:
    field = FIELDS.get(node.get("field") or "")
    if field is None or UNKNOWN_FIELD in node:
        raise ValueError("Choose a field.")
    operator = node.get("operator")
    if operator not in field.operators:
        raise ValueError(f"“{field.label}” cannot be compared with this operator.")
    condition = {"kind": "condition", "field": field.name, "operator": operator}
    if field.windowed:
        condition["days"] = _whole(node.get("days"), "Number of days", low=1, high=3660)
    condition["value"] = _value(field, operator, node)
    return condition


def _value(field: Field, operator: str, node: dict):
    kind, raw = field.kind, node.get("value")
    if operator in NO_VALUE:
        return None
    if kind == "date":
        if operator in RELATIVE:
            unit = node.get("unit")
            if unit not in TIME_UNITS:
                raise ValueError("Choose days or months.")
            return {"amount": _whole(raw, "The amount of time", low=1, high=1200), "unit": unit}
        try:
            day = date.fromisoformat(str(raw or "").strip())
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
        if not DATES[0] <= day <= DATES[1]:
            raise ValueError(f"Enter a date between {DATES[0]} and {DATES[1]}.")
        return day.isoformat()
    if kind == "choice" or operator in ("in", "not_in"):
        values = _list(raw)
        if not values:
            raise ValueError("Choose at least one value.")
        # The compiled rule binds these to enum columns: an unknown one fails every evaluation.
        unknown = sorted(set(values) - set(field.choices)) if kind == "choice" else []
        if unknown:
            raise ValueError(
                f"“{field.label}” has no value “{unknown[0][:40]}”: choose from the list."
            )
        return values
    if kind == "text":
        text = str(raw or "").strip()
        if not text:
            raise ValueError("Enter a value.")
        return text
    parse = _money if kind == "money" else _whole
    if operator == "between":
        low = parse(raw, "The lower bound")
        high = parse(node.get("value2"), "The upper bound")
        if low > high:
            raise ValueError("The lower bound must not exceed the upper bound.")
        return [low, high]
    return parse(raw, "The value")


def _list(raw) -> list[str]:
    items = raw if isinstance(raw, list) else re.split(r"[,\n]", str(raw or ""))
    return sorted({str(item).strip() for item in items if str(item).strip()})


def _whole(raw, what: str, low: int = -MAX_AMOUNT, high: int = MAX_AMOUNT) -> int:
    text = str(raw if raw is not None else "").replace(",", "").strip()
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError(f"{what} must be a whole number.")
    number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{what} must be between {low:,} and {high:,}.")
    return number


def _money(raw, what: str) -> int:
    """An amount like 2,000.00 in the base currency, as integer minor units."""
    if isinstance(raw, int):  # already minor units (a stored rule re-validated)
        return raw
    text = str(raw or "").replace(",", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{what} must be an amount like 2,000.00.") from None
    if amount != amount.quantize(Decimal("0.01")) or abs(amount) >= MAX_AMOUNT:
        raise ValueError(f"{what} must be an amount with at most two decimals.")
    return int(amount * 100)


def to_draft(rule: dict) -> dict:
    """The stored rule as the editor shows it: text values, money in major units."""
    if rule.get("kind") == "group":
        return {**rule, "children": [to_draft(child) for child in rule["children"]]}
    field = FIELDS.get(rule.get("field") or "")
    if field is None:  # a field since taken out of the catalogue: validate says so
        return dict(rule)
    value = rule.get("value")
    draft = {**rule, "value": value, "value2": "", "unit": "days"}
    if field.kind == "money":
        low, high = value if isinstance(value, list) else (value, None)
        draft["value"] = format_money(low)
        draft["value2"] = format_money(high) if high is not None else ""
    elif isinstance(value, dict):
        draft.update(value=str(value["amount"]), unit=value["unit"])
    elif rule["operator"] == "between":
        draft.update(value=str(value[0]), value2=str(value[1]))
    elif isinstance(value, list) and field.kind != "choice":
        draft["value"] = ", ".join(value)
    elif isinstance(value, int):
        draft["value"] = str(value)
    return draft


def problems(rule: dict) -> dict[str, str]:
    """What keeps a stored rule from being evaluated, by node path; empty when it is sound. A
    rule saved before its values were checked, or naming a field or value the catalogue no
    longer has, fails here instead of in the SQL of every evaluation."""
    try:
        validate(to_draft(rule))
    except RuleInvalid as invalid:
        return invalid.errors
    return {}


def format_money(minor: int | None) -> str:
    return "" if minor is None else f"{Decimal(minor) / 100:,.2f}"


def describe(rule: dict, depth: int = 0) -> list[str]:
    """One line per node, indented by depth: what the history and the diff show."""
    pad = "  " * depth
    if rule.get("kind") == "group":
        lines = [f"{pad}{'ALL' if rule['op'] == 'and' else 'ANY'} of:"]
        for child in rule["children"]:
            lines += describe(child, depth + 1)
        return lines
    return [f"{pad}{condition_text(rule)}"]


def condition_text(condition: dict) -> str:
    field = FIELDS[condition["field"]]
    label = (
        field.label.replace("N days", f"{condition['days']} days")
        if field.windowed
        else field.label
    )
    operator = condition["operator"]
    value = condition.get("value")
    if operator in NO_VALUE:
        return f"{label} {OPERATOR_LABELS[operator]}"
    if isinstance(value, dict):
        if operator == "within_last":
            return f"{label} in the last {value['amount']} {value['unit']}"
        return f"{label} more than {value['amount']} {value['unit']} ago"
    shown = _shown(field.kind)
    if operator == "between":
        return f"{label} between {shown(value[0])} and {shown(value[1])}"
    if isinstance(value, list):
        return f"{label} {OPERATOR_LABELS[operator]} {', '.join(map(coded, value))}"
    return f"{label} {OPERATOR_LABELS[operator]} {shown(value)}"


def _shown(kind: str) -> Callable[[object], object]:
    """How a rule's value reads: money in the base currency, numbers grouped, codes labelled."""
    if kind == "money":
        return lambda minor: money(minor, BASE_CURRENCY)
    if kind == "number":
        return format_number
    return coded


def diff(previous: dict | None, current: dict) -> list[str]:
    """Lines removed (-) and added (+) between two rules, as in a unified diff."""
    before = describe(previous) if previous else []
    return [
        line
        for line in difflib.unified_diff(before, describe(current), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def fields_of(rule: dict) -> list[dict]:
    """The conditions of a rule, depth first."""
    if rule.get("kind") == "group":
        return [c for child in rule["children"] for c in fields_of(child)]
    return [rule] if rule else []


def evidence(metrics: dict | None) -> list[tuple[str, str]]:
    """The figures a rule decided on, in words: each field's label and its value formatted as
    its kind is (money in the base currency, yes/no, grouped numbers), not the stored codes."""
    shown = []
    for name, value in (metrics or {}).items():
        field, title = FIELDS.get(name), None
        # A windowed field's figure is kept under its name and window: orders_in_window_90d.
        if field is None and (windowed := WINDOWED_KEY.fullmatch(name)):
            field = FIELDS.get(windowed[1])
            if field is not None:
                title = field.label.replace(" N ", f" {windowed[2]} ")
        if value is None:
            text = "none"
        elif field is not None and field.kind == "money":
            text = money(value, BASE_CURRENCY)
        elif isinstance(value, bool) or (field is not None and field.kind == "bool"):
            text = "yes" if value else "no"
        elif isinstance(value, int | float):
            text = format_number(value)
        else:
            text = str(value)
        shown.append((title or (field.label if field else label(name)), text))
    return shown
