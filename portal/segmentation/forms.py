"""The rule editor's form: a tree flattened into fields named by node path (`r.1.0.field`),
parsed back into a draft, and the editor's structural actions on that draft."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict
from wtforms import DateTimeLocalField, SelectField, TextAreaField
from wtforms.validators import DataRequired

from portal.forms import Form, MaxLength
from portal.limits import whole_number
from portal.segmentation.fields import FIELDS
from portal.segmentation.rules import MAX_DEPTH, ROOT, UNKNOWN_FIELD, depth, empty_rule, to_draft

NODE_KEYS = ("kind", "op", "field", "operator", "days", "value2", "unit")
DEFAULT_FIELD = "order_count"


def draft_from_form(form: MultiDict) -> dict:
    """The rule tree the editor's fields describe; text values, unvalidated."""
    nodes: dict[str, dict] = {}
    for key in form:
        path, _, name = key.rpartition(".")
        # Deeper than any valid rule reaches (rules.MAX_DEPTH): their group, kept, is refused.
        too_deep = depth(path) > MAX_DEPTH
        if name == "kind" and (path == ROOT or path.startswith(ROOT + ".")) and not too_deep:
            node = {k: form.get(f"{path}.{k}", "") for k in NODE_KEYS}
            values = form.getlist(f"{path}.value")
            node["value"] = values if len(values) > 1 or _multiple(node) else "".join(values)
            node["children"] = []
            nodes[path] = node
    for path in sorted(nodes, key=_order):
        if path != ROOT:
            parent = nodes.get(path.rpartition(".")[0])
            if parent is not None:
                parent["children"].append(nodes[path])
    return _shape(nodes.get(ROOT) or empty_rule())


def stored_draft(rule: dict) -> dict:
    """A saved rule as the editor's draft; a field since taken out of the catalogue shows as
    the default field, with the rule's problem next to it (see rules.problems)."""
    return _shape(to_draft(rule))


def _multiple(node: dict) -> bool:
    field = FIELDS.get(node.get("field", ""))
    return field is not None and field.kind == "choice"


def _order(path: str) -> tuple[int, ...]:
    numbers = (whole_number(part) for part in path.split(".")[1:])
    return tuple(number for number in numbers if number is not None)


def _shape(node: dict) -> dict:
    """Groups keep op and children; conditions get a field and an operator it allows."""
    if node.get("kind") == "group":
        op = node.get("op") if node.get("op") in ("and", "or") else "and"
        return {"kind": "group", "op": op, "children": [_shape(c) for c in node["children"]]}
    known = FIELDS.get(node.get("field", ""))
    field = known or FIELDS[DEFAULT_FIELD]
    operator = node.get("operator")
    shaped = {k: node.get(k, "") for k in ("value", "value2", "unit", "days")}
    shaped.update(
        kind="condition",
        field=field.name,
        operator=operator if operator in field.operators else field.operators[0],
    )
    if known is None:  # shown as the default field, but refused: never saved in its stead
        shaped[UNKNOWN_FIELD] = node.get("field", "")
    if field.windowed and not shaped["days"]:
        shaped["days"] = "90"
    return shaped


def new_condition() -> dict:
    return _shape({"kind": "condition", "field": DEFAULT_FIELD})


def apply_action(draft: dict, action: str) -> dict:
    """`add-condition:<path>`, `add-group:<path>` or `remove:<path>` on the draft tree."""
    verb, _, path = action.partition(":")
    if verb == "remove" and path != ROOT:
        parent_path, _, index = path.rpartition(".")
        parent = _find(draft, parent_path)
        at = whole_number(index)
        if parent is not None and at is not None and at < len(parent["children"]):
            del parent["children"][at]
        return draft
    group = _find(draft, path)
    if group is not None and group.get("kind") == "group":
        if verb == "add-condition":
            group["children"].append(new_condition())
        elif verb == "add-group" and depth(path) + 1 < MAX_DEPTH:
            group["children"].append({"kind": "group", "op": "or", "children": [new_condition()]})
    return draft


def _find(node: dict, path: str) -> dict | None:
    for part in path.split(".")[1:]:
        children = node.get("children") or []
        at = whole_number(part)
        if at is None or at >= len(children):
            return None
        node = children[at]
    return node


class OverrideForm(Form):
    segment_id = SelectField("Segment", validators=[DataRequired()])
    justification = TextAreaField("Justification", validators=[DataRequired(), MaxLength(1000)])
    until = DateTimeLocalField("Until (UTC)", format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
