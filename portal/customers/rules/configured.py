"""Validation rules staff configure (CustomerManagementAdminService): which optional fields a
customer type requires, and patterns a field's value must match. Pure functions: the rule set
comes in, {field: [messages]} comes out; `services.validation` loads the version in force.

A pattern is a regular expression from a small safe subset, checked before it is saved, so that
Python's `re` (registration, edits, import, API) and PostgreSQL's `~` (the preview's count over
every customer) read it alike and no value can make it run long:
- printable ASCII, at most PATTERN_LONGEST characters; the whole value must match (no ^ or $);
- literals, `.`, classes `[...]`, `\\d \\D \\s \\S`, escaped punctuation, groups `(...)` and
  `(?:...)`, alternation `|`, and the quantifiers `* + ? {m} {m,} {m,n}` (m, n ≤ 100);
- no backreferences, lookarounds, flags, lazy or possessive quantifiers (the engines differ);
- no repeated group holding a variable quantifier or an alternation (`(a+)+`, `(a|a)*`: the
  exponential backtracking cases), and at most MAX_VARIABLE variable quantifiers in all, so
  backtracking over a value of at most VALUE_LONGEST characters stays polynomial and short
  (the worst, `a*a*a*x` on 500 characters, takes about 60 ms).
A timeout-free subset rather than a regex timeout: `re` has none, and the preview runs the same
pattern a million times inside PostgreSQL.
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field

from portal.customers.rules._errors import ErrorList, Errors
from portal.customers.rules.types import BUSINESS_FIELDS, TYPE_FIELDS
from portal.customers.values import CustomerType
from portal.labels import label

PATTERN_LONGEST = 100
MESSAGE_LONGEST = 200
MAX_PATTERNS = 20
MAX_VARIABLE = 3
MAX_BOUND = 100
# Longer values are refused by the column limits before a pattern is tried.
VALUE_LONGEST = 500

# Optional fields every type has (ContactInfo), those of business types, and the text fields a
# pattern may apply to. Tax ids and registration numbers are encrypted: no pattern can be
# counted over them in SQL, so none is offered.
CONTACT_FIELDS = (
    "email",
    "phone",
    "alternative_email",
    "alternative_phone",
    "preferred_contact_method",
    "preferred_contact_time",
)
BUSINESS_OPTIONAL = tuple(n for n, spec in BUSINESS_FIELDS.items() if not spec.required)
TEXT_COLUMNS = (
    "name",
    "email",
    "phone",
    "alternative_email",
    "alternative_phone",
    "preferred_contact_time",
    "legal_entity_name",
    "dba_name",
    "industry_code",
)
# Fields kept in `customer` columns; every other field lives in `type_data`.
COLUMNS = frozenset({*CONTACT_FIELDS, *BUSINESS_OPTIONAL, "name"})


def requirable(customer_type: CustomerType) -> tuple[str, ...]:
    """The optional fields of a type, which a rule may make required."""
    own = tuple(n for n, spec in TYPE_FIELDS[customer_type].items() if not spec.required)
    business = BUSINESS_OPTIONAL if customer_type.is_b2b else ()
    return (*CONTACT_FIELDS, *own, *business)


def _text_type_fields(customer_type: CustomerType) -> tuple[str, ...]:
    # rules.types.text() checks carry their limit: the typed-in text fields.
    fields = TYPE_FIELDS[customer_type].items()
    return tuple(n for n, spec in fields if hasattr(spec.check, "longest"))


def patternable(customer_type: CustomerType | None = None) -> tuple[str, ...]:
    """The text fields of a type (of any type when None) a pattern may apply to."""
    kinds = [customer_type] if customer_type else list(CustomerType)
    typed = dict.fromkeys(n for kind in kinds for n in _text_type_fields(kind))
    business = any(kind.is_b2b for kind in kinds)
    return tuple(n for n in TEXT_COLUMNS if business or n not in BUSINESS_OPTIONAL) + tuple(typed)


def has_field(customer_type: CustomerType, name: str) -> bool:
    return name in requirable(customer_type) or name in patternable(customer_type)


@dataclass(frozen=True)
class PatternRule:
    field: str
    pattern: str
    message: str = ""
    customer_type: CustomerType | None = None  # None: every type that has the field

    def applies_to(self, customer_type: CustomerType) -> bool:
        return self.customer_type in (None, customer_type) and has_field(customer_type, self.field)

    def describe(self) -> str:
        where = label(self.customer_type) if self.customer_type else "every type"
        return f"{label(self.field)} matches {self.pattern} ({where})"


@dataclass(frozen=True)
class RuleSet:
    """What is required beyond the domain's rules: per type, optional fields that become
    required; and patterns. The empty set (no version saved yet) adds nothing."""

    required: dict[CustomerType, tuple[str, ...]] = field(default_factory=dict)
    patterns: tuple[PatternRule, ...] = ()

    def to_json(self) -> dict:
        return {
            "required": {t.value: list(names) for t, names in self.required.items() if names},
            "patterns": [
                {
                    "field": p.field,
                    "pattern": p.pattern,
                    "message": p.message,
                    "customer_type": p.customer_type.value if p.customer_type else None,
                }
                for p in self.patterns
            ],
        }

    @classmethod
    def from_json(cls, data: dict | None) -> RuleSet:
        data = data or {}
        return cls(
            required={CustomerType(t): tuple(n) for t, n in data.get("required", {}).items()},
            patterns=tuple(
                PatternRule(
                    p["field"],
                    p["pattern"],
                    p.get("message", ""),
                    CustomerType(p["customer_type"]) if p.get("customer_type") else None,
                )
                for p in data.get("patterns", ())
            ),
        )

    def rules(self) -> list[tuple[str, CustomerType | None, str]]:
        """Each rule as (description, type, field), in the order the preview counts them."""
        found = [
            (f"{label(name)} required ({label(kind)})", kind, name)
            for kind, names in self.required.items()
            for name in names
        ]
        return found + [(p.describe(), p.customer_type, p.field) for p in self.patterns]


# --- the safe subset of patterns ---------------------------------------------------------

_SHORTHANDS = frozenset("dDsS")
_IN_CLASS_SHORTHANDS = frozenset("ds")  # PostgreSQL refuses \D and \S inside brackets
_PUNCTUATION = frozenset(string.punctuation)
_PRINTABLE = frozenset(string.printable) - frozenset("\t\n\r\x0b\x0c")
_BOUND = re.compile(r"\{(\d{1,3})(,(\d{1,3})?)?\}")


@dataclass
class _Group:
    variable: bool = False  # holds a quantifier whose count varies
    alternation: bool = False


class _Unsafe(ValueError):
    pass


def _escape(pattern: str, i: int, in_class: bool) -> int:
    """Index after the escape at i (a backslash)."""
    if i + 1 >= len(pattern):
        raise _Unsafe("A pattern cannot end with a backslash.")
    char = pattern[i + 1]
    allowed = _IN_CLASS_SHORTHANDS if in_class else _SHORTHANDS
    if char not in allowed and char not in _PUNCTUATION:
        raise _Unsafe(
            f"\\{char} is not allowed: use \\d, \\s (or \\D, \\S outside [ ]) or escape "
            "punctuation."
        )
    return i + 2


def _class(pattern: str, i: int) -> int:
    """Index after the class opening at i."""
    i += 1
    if i < len(pattern) and pattern[i] == "^":
        i += 1
    start = i
    while i < len(pattern) and pattern[i] != "]":
        if pattern[i] == "[":
            raise _Unsafe("Escape [ inside a class: \\[.")
        i = _escape(pattern, i, True) if pattern[i] == "\\" else i + 1
    if i >= len(pattern):
        raise _Unsafe("A [ is not closed by ].")
    if i == start:
        raise _Unsafe("An empty class [] matches nothing.")
    return i + 1


def _quantifier(pattern: str, i: int) -> tuple[int, int | None, int]:
    """(least, most or None for unbounded, index after) of the quantifier at i."""
    char = pattern[i]
    if char in "*+?":
        least, most, end = {"*": (0, None), "+": (1, None), "?": (0, 1)}[char] + (i + 1,)
    else:
        bound = _BOUND.match(pattern, i)
        if bound is None:
            raise _Unsafe("Write a count as {m}, {m,} or {m,n}; escape a literal { as \\{.")
        least = int(bound[1])
        most = least if bound[2] is None else (int(bound[3]) if bound[3] else None)
        if least > MAX_BOUND or (most is not None and not least <= most <= MAX_BOUND):
            raise _Unsafe(f"Counts go from 0 to {MAX_BOUND}, the smaller first.")
        end = bound.end()
    if end < len(pattern) and pattern[end] in "?+*{":
        raise _Unsafe("One quantifier at a time: lazy and possessive forms are not allowed.")
    return least, most, end


def _check(pattern: str) -> None:
    groups: list[_Group] = [_Group()]
    atom: _Group | None = None  # what a quantifier here would repeat (a group's summary)
    variables = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i, atom = _escape(pattern, i, False), _Group()
        elif char == "[":
            i, atom = _class(pattern, i), _Group()
        elif char == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                raise _Unsafe("Only (…) and (?:…) groups: no lookarounds, flags or names.")
            i += 3 if pattern.startswith("(?:", i) else 1
            groups.append(_Group())
            atom = None
        elif char == ")":
            if len(groups) == 1:
                raise _Unsafe("A ) has no ( to close.")
            atom = groups.pop()
            outer = groups[-1]
            outer.variable |= atom.variable
            outer.alternation |= atom.alternation
            i += 1
        elif char == "|":
            groups[-1].alternation = True
            atom, i = None, i + 1
        elif char in "*+?{":
            if atom is None:
                raise _Unsafe(f"{char} must follow something to repeat.")
            least, most, i = _quantifier(pattern, i)
            repeats = most is None or most > 1
            if repeats and (atom.variable or atom.alternation):
                raise _Unsafe(
                    "A repeated group may not hold another variable repeat or a |: "
                    "such patterns can take exponential time."
                )
            if most != least:
                variables += 1
                groups[-1].variable = True
            atom = None
        elif char in "^$":
            raise _Unsafe("Leave out ^ and $: the whole value must match the pattern.")
        elif char in "]}":
            raise _Unsafe(f"Escape a literal {char} as \\{char}.")
        else:
            atom, i = _Group(), i + 1
    if len(groups) > 1:
        raise _Unsafe("A ( is not closed by ).")
    if variables > MAX_VARIABLE:
        raise _Unsafe(f"Use at most {MAX_VARIABLE} variable quantifiers (*, +, ?, {{m,n}}).")


def pattern_error(pattern: str) -> str | None:
    """Why `pattern` is not in the safe subset (module docstring), or None."""
    if not pattern:
        return "Enter a pattern."
    if len(pattern) > PATTERN_LONGEST:
        return f"Use at most {PATTERN_LONGEST} characters (this has {len(pattern):,})."
    if not set(pattern) <= _PRINTABLE:
        return "Use printable ASCII characters only."
    try:
        _check(pattern)
        re.compile(pattern)
    except (_Unsafe, re.error) as exc:
        return str(exc)
    return None


def anchored(pattern: str) -> str:
    """The pattern matched against the whole value, dot matching newlines, in the syntax both
    Python and PostgreSQL read the same way (\\A, \\Z and the embedded s flag)."""
    return rf"(?s)\A(?:{pattern})\Z"


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(anchored(pattern), re.ASCII)


def matches(pattern: str, value: str) -> bool:
    return len(value) > VALUE_LONGEST or _compiled(pattern).match(value) is not None


# --- checking a rule set and a customer ---------------------------------------------------


def ruleset_errors(rules: RuleSet) -> Errors:
    """Refusals of the configuration itself, keyed by the admin form's fields."""
    errors = ErrorList()
    for kind, names in rules.required.items():
        if unknown := [n for n in names if n not in requirable(kind)]:
            errors.add(f"required_{kind.value}", f"Not optional here: {', '.join(unknown)}.")
    if len(rules.patterns) > MAX_PATTERNS:
        errors.add("patterns", f"Use at most {MAX_PATTERNS} patterns.")
    for n, rule in enumerate(rules.patterns, start=1):
        at = f"pattern_{n}"  # the n-th pattern's row on the page
        if rule.field not in patternable(rule.customer_type):
            errors.add(at, f"{rule.field} is not a text field of that type.")
        if message := pattern_error(rule.pattern):
            errors.add(at, message)
        if len(rule.message) > MESSAGE_LONGEST:
            errors.add(at, f"Write a message of at most {MESSAGE_LONGEST} characters.")
    return errors.as_dict()


def missing(value: object) -> bool:
    return value is None or value == "" or value == [] or value == ()


def violations(rules: RuleSet, customer_type: CustomerType, values: dict) -> Errors:
    """What `values` (the customer's fields, type data flattened in) break of `rules`."""
    errors = ErrorList()
    for name in rules.required.get(customer_type, ()):
        if missing(values.get(name)):
            errors.add(name, f"Required for a {label(customer_type)} customer (data rules).")
    for rule in rules.patterns:
        value = values.get(rule.field)
        given = isinstance(value, str) and value != ""
        if given and rule.applies_to(customer_type) and not matches(rule.pattern, value):
            errors.add(rule.field, rule.message or f"Must match the pattern {rule.pattern}.")
    return errors.as_dict()
