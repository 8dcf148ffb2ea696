"""A merged customer's id keeps resolving: profile bookmarks and the API by id reach the
survivor, and events consumed later that still name the merged customer apply to it."""

from __future__ import annotations

from portal.customers.hooks import finds_survivors
from portal.duplicates.queries import survivor_of
from portal.events.handlers import resolves_payloads


@finds_survivors
def survivor(customer_id: str) -> str | None:
    """Profile URLs and the API by id: a merged customer's id leads to its survivor."""
    return survivor_of([customer_id]).get(customer_id)


@resolves_payloads
def to_survivors(payloads: list[dict]) -> None:
    named = [p["customerId"] for p in payloads if isinstance(p.get("customerId"), str)]
    if not named:
        return
    survivors = survivor_of(named)
    for payload in payloads:
        if payload.get("customerId") in survivors:
            payload["customerId"] = survivors[payload["customerId"]]
