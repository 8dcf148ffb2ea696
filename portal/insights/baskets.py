"""Pure rules of the recommendations: co-occurrence with lift among a group's customers, the
best suggestions per customer, and the categories a dietary preference rules out. Arrays in,
arrays out (the refresh applies them to a segment's customers, a chunk at a time).

For a group of N customers, `both[x, y]` of whom bought products x and y (each ever, in any
order): `share[x, y] = both[x, y] / both[x, x]` is how many of x's buyers also bought y
(association rules' confidence), and `lift[x, y] = share[x, y] / (both[y, y] / N)` how much
more often than the group at large. A rule x → y counts when x ≠ y, at least MIN_PAIRS
customers bought both (fewer is chance) and the lift is above 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

MIN_PAIRS = 20
TOP = 3  # suggestions kept per customer

# Order-line categories (case-folded) each dietary preference rules out. Preferences are free
# text; one not named here rules out nothing.
DIET_CONFLICTS: dict[str, frozenset[str]] = {
    "vegetarian": frozenset({"meat", "seafood", "pork"}),
    "vegan": frozenset({"meat", "seafood", "pork", "dairy", "eggs", "honey"}),
    "pescatarian": frozenset({"meat", "pork"}),
    "halal": frozenset({"pork", "spirits"}),
    "gluten-free": frozenset({"baked goods"}),
    "nut allergy": frozenset({"nuts"}),
}


@dataclass(frozen=True)
class Rules:
    """The rules of one group of customers, indexed [x, y] by product."""

    customers: int
    both: np.ndarray
    share: np.ndarray
    lift: np.ndarray  # 0 where the rule does not count


def basket_rules(bought: sparse.csr_array, min_pairs: int = MIN_PAIRS) -> Rules:
    """The rules of a group from its customers-by-products matrix of 0/1 (bought ever)."""
    customers = bought.shape[0]
    both = (bought.T @ bought).toarray().astype(float)
    buyers = np.diag(both).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.nan_to_num(both / buyers[:, None])
        lift = np.nan_to_num(share * customers / buyers[None, :])
    counts = (both >= min_pairs) & (lift > 1) & ~np.eye(len(buyers), dtype=bool)
    return Rules(customers, both, share, np.where(counts, lift, 0.0))


@dataclass(frozen=True)
class Suggestions:
    """Per customer (rows) the TOP products, best first; -1 where there is none."""

    product: np.ndarray
    because: np.ndarray  # the bought product whose rule suggested it
    lift: np.ndarray
    share: np.ndarray


def suggest(bought: np.ndarray, rules: Rules, ruled_out: np.ndarray, top: int = TOP) -> Suggestions:
    """For each customer (a row of `bought`, 0/1 per product) the products they have not bought
    and are not ruled out for (`ruled_out`, same shape) with the strongest rule from one they
    have: its lift, ties to the larger share, then to the first product."""
    # [customer, x, y]: the lift of x → y where the customer bought x.
    lifts = bought[:, :, None].astype(np.float32) * rules.lift[None, :, :].astype(np.float32)
    because = lifts.argmax(axis=1)
    best = np.take_along_axis(lifts, because[:, None, :], axis=1)[:, 0, :]
    share = rules.share[because, np.arange(bought.shape[1])[None, :]]
    best[(bought > 0) | ruled_out] = 0
    # Sort by lift, then share: lexsort's last key is the first.
    order = np.lexsort((-share, -best), axis=1)[:, :top]
    chosen = np.take_along_axis(best, order, axis=1)
    none = chosen <= 0
    pick = np.where(none, -1, order)
    return Suggestions(
        product=pick,
        because=np.where(none, -1, np.take_along_axis(because, order, axis=1)),
        lift=np.where(none, 0.0, chosen),
        share=np.where(none, 0.0, np.take_along_axis(share, order, axis=1)),
    )


def ruled_out_categories(diets: list[str]) -> frozenset[str]:
    """The categories a customer's dietary preferences rule out."""
    out: frozenset[str] = frozenset()
    for diet in diets:
        if isinstance(diet, str):
            out |= DIET_CONFLICTS.get(diet.strip().casefold(), frozenset())
    return out
