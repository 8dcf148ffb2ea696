"""Pure rules of the recommendations: co-occurrence with lift among a group's customers, the
best suggestions per customer, and the categories a dietary preference rules out. Arrays in,
arrays out (the refresh applies them to a segment's customers, a chunk at a time: `chunks`).

For a group of N customers, `both[x, y]` of whom bought products x and y (each ever, in any
order): `share[x, y] = both[x, y] / both[x, x]` is how many of x's buyers also bought y
(association rules' confidence), and `lift[x, y] = share[x, y] / (both[y, y] / N)` how much
more often than the group at large. A rule x → y counts when x ≠ y, at least MIN_PAIRS
customers bought both (fewer is chance) and the lift is above 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

MIN_PAIRS = 20
TOP = 3  # suggestions kept per customer
# Cells of a chunk's [customer, product bought, product] lifts: 32 MB of float32.
CHUNK_CELLS = 8_000_000

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


def suggest(bought, rules: Rules, ruled_out: np.ndarray, top: int = TOP) -> Suggestions:
    """For each customer (a row of `bought`, 0/1 per product, dense or sparse) the products they
    have not bought and are not ruled out for (`ruled_out`, same shape) with the strongest rule
    from one they have: its lift, ties to the larger share, then to the first product."""
    bought = sparse.csr_array(bought)
    bought.sort_indices()
    products = bought.shape[1]
    held = _held(bought)
    # [customer, slot, y]: the lift of x → y for the customer's product x in that slot; the
    # padding slots point at a row of zeros. The first slot of the best lift is the first x.
    lifts = _padded(rules.lift.astype(np.float32))[held]
    slot = lifts.argmax(axis=1)
    best = np.take_along_axis(lifts, slot[:, None, :], axis=1)[:, 0, :]
    because = np.take_along_axis(held, slot, axis=1)
    share = _padded(rules.share)[because, np.arange(products)[None, :]]
    best[(bought.toarray() > 0) | ruled_out] = 0
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


def _held(bought: sparse.csr_array) -> np.ndarray:
    """Each customer's products in order, padded to the longest with one past the last."""
    customers, products = bought.shape
    counts = np.diff(bought.indptr)
    held = np.full((customers, max(int(counts.max(initial=0)), 1)), products)
    slots = np.arange(bought.nnz) - np.repeat(bought.indptr[:-1], counts)
    held[np.repeat(np.arange(customers), counts), slots] = bought.indices
    return held


def _padded(square: np.ndarray) -> np.ndarray:
    return np.vstack([square, np.zeros((1, square.shape[1]), dtype=square.dtype)])


def chunks(bought: sparse.csr_array, cells: int = CHUNK_CELLS) -> Iterator[np.ndarray]:
    """The rows of `bought` in chunks whose lifts `suggest` holds in about `cells` cells:
    customers by the most products one of them bought by products. Customers with as many
    products go together, so one who bought everything does not shrink every chunk."""
    counts = np.maximum(np.diff(bought.indptr), 1)
    order = np.argsort(counts, kind="stable")
    width = max(bought.shape[1], 1)
    start = 0
    while start < len(order):
        guess = max(cells // (width * counts[order[start]]), 1)
        widest = counts[order[min(start + guess, len(order)) - 1]]
        size = max(cells // (width * widest), 1)  # ≤ guess: its widest is no wider
        yield order[start : start + size]
        start += size


def ruled_out_categories(diets: list[str]) -> frozenset[str]:
    """The categories a customer's dietary preferences rule out."""
    out: frozenset[str] = frozenset()
    for diet in diets:
        if isinstance(diet, str):
            out |= DIET_CONFLICTS.get(diet.strip().casefold(), frozenset())
    return out
