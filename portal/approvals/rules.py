"""Pure rules of approvals: chains, conditions with currencies, who may decide, deadlines.

No database and no request: the services hand in what they loaded.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from portal.approvals.models import ApprovalRequest
from portal.approvals.values import MAX_GROUPS, MAX_TIERS, DeadlineUnit, Operator
from portal.limits import integer_range

# ISO 4217 minor units where they are not 2.
EXPONENTS = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "JOD": 3, "TND": 3}
CURRENCY = re.compile(r"^[A-Z]{3}$")
AMOUNT = re.compile(r"^\d{1,3}(,\d{3})*(\.\d+)?$|^\d+(\.\d+)?$")
# Amounts are stored in minor units in a BigInteger column.
LARGEST_AMOUNT = integer_range(ApprovalRequest.amount_minor)[1]
# Working days or hours; due_at walks them one by one.
LONGEST_DEADLINE = 1000
# Working time for deadlines: Monday to Friday, 09:00 to 17:00 UTC.
DAY_START, DAY_END = 9, 17


class CurrencyMismatch(ValueError):
    """The amount's currency has no threshold and no configured rate to one that has."""


@dataclass(frozen=True)
class Group:
    roles: tuple[str, ...] = ()  # organisation role ids, held at the node or above
    members: tuple[str, ...] = ()  # user ids, named approvers
    staff_permission: str | None = None  # staff who hold it (finance decides payment terms)


@dataclass(frozen=True)
class Tier:
    groups: tuple[Group, ...]
    deadline: int | None = None
    unit: DeadlineUnit = DeadlineUnit.WORKING_DAYS


Chain = tuple[Tier, ...]


def chain_from_json(data: Sequence[Mapping]) -> Chain:
    return tuple(
        Tier(
            groups=tuple(
                Group(
                    tuple(g.get("roles", ())),
                    tuple(g.get("members", ())),
                    g.get("staff_permission"),
                )
                for g in tier["groups"]
            ),
            deadline=tier.get("deadline"),
            unit=DeadlineUnit(tier.get("unit", DeadlineUnit.WORKING_DAYS)),
        )
        for tier in data
    )


def _group_json(group: Group) -> dict:
    data: dict = {"roles": list(group.roles), "members": list(group.members)}
    if group.staff_permission:
        data["staff_permission"] = group.staff_permission
    return data


def chain_to_json(chain: Chain) -> list[dict]:
    return [
        {
            "groups": [_group_json(g) for g in tier.groups],
            "deadline": tier.deadline,
            "unit": tier.unit.value,
        }
        for tier in chain
    ]


# ---- money ------------------------------------------------------------------------------


def exponent(currency: str) -> int:
    return EXPONENTS.get(currency, 2)


def parse_amount(text: str, currency: str) -> int:
    """ "7,500.00" in USD → 750000. ValueError with a message for the field otherwise."""
    cleaned = text.strip()
    if not AMOUNT.match(cleaned):
        raise ValueError("Enter an amount like 7,500.00.")
    places = exponent(currency)
    value = Decimal(cleaned.replace(",", ""))
    if value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{currency} has {places} decimal places.")
    minor = int(value.scaleb(places))
    if minor > LARGEST_AMOUNT:
        raise ValueError(f"Enter at most {format_major(LARGEST_AMOUNT, currency)}.")
    return minor


def format_major(minor: int, currency: str) -> str:
    """750000 USD → "7,500.00" (what a person types back into a form)."""
    places = exponent(currency)
    return f"{Decimal(minor).scaleb(-places):,.{places}f}"


def format_amount(minor: int | None, currency: str | None) -> str:
    if minor is None or currency is None:
        return ""
    return f"{format_major(minor, currency)} {currency}"


def convert(minor: int, source: str, target: str, rates: Mapping[str, str]) -> int | None:
    """Minor units of `source` in `target` at the configured rate ("EUR/USD": "1.08"), either
    way round; None when no rate is configured."""
    if source == target:
        return minor
    try:
        if f"{source}/{target}" in rates:
            rate = Decimal(str(rates[f"{source}/{target}"]))
        elif f"{target}/{source}" in rates:
            rate = 1 / Decimal(str(rates[f"{target}/{source}"]))
        else:
            return None
    except (InvalidOperation, ZeroDivisionError):
        return None
    major = Decimal(minor).scaleb(-exponent(source)) * rate
    return int(major.scaleb(exponent(target)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def condition_applies(
    operator: Operator,
    thresholds: Mapping[str, int],
    amount: int | None,
    currency: str | None,
    rates: Mapping[str, str],
) -> bool:
    """Whether the amount meets the rule's condition. Compared in the amount's own currency
    when the rule has a threshold in it, else in a threshold currency it converts to; never
    across currencies without a rate (CurrencyMismatch)."""
    if operator is Operator.ANY:
        return True
    if amount is None or currency is None:
        return False
    if currency in thresholds:
        compared, threshold = amount, thresholds[currency]
    else:
        for target in sorted(thresholds):
            compared = convert(amount, currency, target, rates)
            if compared is not None:
                threshold = thresholds[target]
                break
        else:
            have = ", ".join(sorted(thresholds)) or "none"
            raise CurrencyMismatch(
                f"The rule has thresholds in {have} and no rate converts {currency} to them."
            )
    return {
        Operator.GT: compared > threshold,
        Operator.GTE: compared >= threshold,
        Operator.LT: compared < threshold,
        Operator.LTE: compared <= threshold,
    }[operator]


# ---- rules and chains --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    """What rule selection needs of a stored rule."""

    id: str
    node_depth: int
    position: int
    operator: Operator
    thresholds: Mapping[str, int]
    requester_role_ids: frozenset[str]


def governing(rules: Iterable[RuleView]) -> list[RuleView]:
    """The rules of the nearest node that has any: a descendant's own rules replace its
    ancestors' (for the subject they cover), in their order."""
    rules = list(rules)
    if not rules:
        return []
    nearest = max(r.node_depth for r in rules)
    return sorted((r for r in rules if r.node_depth == nearest), key=lambda r: r.position)


def matching_rule(
    rules: Iterable[RuleView],
    requester_roles: set[str],
    amount: int | None,
    currency: str | None,
    rates: Mapping[str, str],
) -> RuleView | None:
    """The first governing rule that applies to this requester and amount, or None (then no
    approval is needed)."""
    for rule in governing(rules):
        if rule.requester_role_ids and not rule.requester_role_ids & requester_roles:
            continue
        if condition_applies(rule.operator, rule.thresholds, amount, currency, rates):
            return rule
    return None


def has_distinct_approvers(candidates: Sequence[set[str]]) -> bool:
    """Whether each group can be satisfied by a different person (a matching; tiers are
    small, so plain backtracking)."""

    def assign(index: int, used: frozenset[str]) -> bool:
        if index == len(candidates):
            return True
        return any(assign(index + 1, used | {p}) for p in candidates[index] - used)

    return assign(0, frozenset())


def chain_errors(
    chain: Chain, eligible: Callable[[Group], set[str]], role_names: Mapping[str, str]
) -> list[str]:
    """Why the chain cannot work, naming the tier: empty tiers or groups, deadlines that are
    not positive, a group nobody can satisfy, a tier whose groups need the same person."""
    if not 1 <= len(chain) <= MAX_TIERS:
        return [f"A chain has 1 to {MAX_TIERS} tiers."]
    errors = []
    for number, tier in enumerate(chain, start=1):
        if not 1 <= len(tier.groups) <= MAX_GROUPS:
            errors.append(f"Tier {number} needs 1 to {MAX_GROUPS} groups.")
            continue
        if tier.deadline is not None and tier.deadline <= 0:
            errors.append(f"Tier {number}: a deadline must be at least 1.")
        elif tier.deadline is not None and tier.deadline > LONGEST_DEADLINE:
            errors.append(f"Tier {number}: a deadline must be at most {LONGEST_DEADLINE:,}.")
        people = []
        for letter, group in zip("ABCDE", tier.groups, strict=False):
            if not (group.roles or group.members or group.staff_permission):
                errors.append(f"Tier {number}, group {letter} has no approvers.")
                continue
            people.append(eligible(group))
            if not people[-1]:
                roles = ", ".join(role_names.get(r, r) for r in group.roles) or "named members"
                errors.append(
                    f"Tier {number} has no eligible approver in group {letter} ({roles}): "
                    "nobody active holds that role here or above, or is named."
                )
        complete = len(people) == len(tier.groups) and all(people)
        if complete and not has_distinct_approvers(people):
            errors.append(
                f"Tier {number} cannot be completed: its groups need different people, "
                "but the same person is the only approver of more than one."
            )
    return errors


# ---- deciding ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    """A decision already taken in the current tier."""

    group: int
    actor: str
    on_behalf_of: str | None


@dataclass(frozen=True)
class Capacity:
    """The group an actor decides for, and on whose behalf (a delegator) if not their own."""

    group: int
    on_behalf_of: str | None = None


@dataclass
class TierState:
    assignees: Mapping[int, set[str]]  # group → user ids it waits on
    decided: list[Decided] = field(default_factory=list)

    def satisfied(self) -> set[int]:
        return {d.group for d in self.decided}

    def complete(self) -> bool:
        return self.satisfied() >= set(self.assignees)

    def people_used(self) -> set[str]:
        return {d.actor for d in self.decided} | {
            d.on_behalf_of for d in self.decided if d.on_behalf_of
        }


class NotAllowed(ValueError):
    pass


def capacity(state: TierState, actor: str, requester: str, delegators: Iterable[str]) -> Capacity:
    """The open group `actor` may decide for: as themselves first, else for someone who
    delegated to them. A requester never decides their own request (nor does their delegate on
    their behalf); nobody — as themselves or through a delegate — satisfies two groups of a
    tier. A delegate acts only where the delegator could: never more authority."""
    if actor == requester:
        raise NotAllowed("You cannot decide a request you submitted.")
    used = state.people_used()
    if actor in used:
        raise NotAllowed("You already decided at this tier; another person must decide the rest.")
    open_groups = [g for g in sorted(state.assignees) if g not in state.satisfied()]
    for principal, behalf in [(actor, None), *((d, d) for d in sorted(delegators))]:
        if principal == requester or principal in used:
            continue
        for group in open_groups:
            if principal in state.assignees[group]:
                return Capacity(group, behalf)
    raise NotAllowed("You are not among the approvers this tier is waiting for.")


# ---- deadlines ---------------------------------------------------------------------------


def _next_working_moment(moment: datetime) -> datetime:
    """`moment` itself if inside working time, else the start of the next working period."""
    day_start = moment.replace(hour=DAY_START, minute=0, second=0, microsecond=0)
    if moment.weekday() < 5 and day_start <= moment < moment.replace(
        hour=DAY_END, minute=0, second=0, microsecond=0
    ):
        return moment
    if moment.weekday() < 5 and moment < day_start:
        return day_start
    candidate = day_start + timedelta(days=1)
    while candidate.weekday() >= 5:
        candidate += timedelta(days=1)
    return candidate


def due_at(start: datetime, amount: int, unit: DeadlineUnit) -> datetime:
    """The deadline `amount` working hours or working days after `start` (UTC)."""
    if unit is DeadlineUnit.WORKING_DAYS:
        moment, left = start, amount
        while left:
            moment += timedelta(days=1)
            if moment.weekday() < 5:
                left -= 1
        return moment
    moment, left = _next_working_moment(start), timedelta(hours=amount)
    while True:
        end_of_day = moment.replace(hour=DAY_END, minute=0, second=0, microsecond=0)
        if moment + left <= end_of_day:
            return moment + left
        left -= end_of_day - moment
        moment = _next_working_moment(end_of_day)


def reminder_due(started: datetime, due: datetime, now: datetime) -> bool:
    """Remind once three quarters of the wall-clock time to the deadline have passed."""
    return now >= started + (due - started) * 3 / 4
