"""The lift maths on a basket small enough to count by hand."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from portal.insights import baskets

A, B, C, D = range(4)  # jerk seasoning, hot sauce, ackee, saltfish
BASKETS = [
    {A, B},
    {A, B},
    {A, B, C},
    {A},
    {B},
    {C},
    {C, D},
    {C, D},
    {D},
    {A, B, D},
]


def matrix(rows: list[set[int]]) -> np.ndarray:
    bought = np.zeros((len(rows), 4), dtype=np.float32)
    for i, row in enumerate(rows):
        bought[i, list(row)] = 1
    return bought


@pytest.fixture
def rules() -> baskets.Rules:
    return baskets.basket_rules(sparse.csr_array(matrix(BASKETS)), min_pairs=2)


def test_share_and_lift_are_the_hand_counts(rules):
    # A: 5 buyers, B: 5, C: 4, D: 4 of 10; A and B together: 4; C and D: 2; A and C: 1.
    assert rules.customers == 10
    assert rules.both[A, B] == 4
    assert rules.both[C, D] == 2
    assert rules.both[A, C] == 1
    assert rules.share[A, B] == pytest.approx(4 / 5)
    assert rules.lift[A, B] == pytest.approx((4 / 5) / (5 / 10))  # 1.6
    assert rules.lift[B, A] == pytest.approx(1.6)
    assert rules.share[C, D] == pytest.approx(2 / 4)
    assert rules.lift[C, D] == pytest.approx((2 / 4) / (4 / 10))  # 1.25


def test_rules_below_the_pairs_minimum_or_lift_one_do_not_count(rules):
    # A → C: 1 customer (below 2) and lift (1/5)/(4/10) = 0.5; a product with itself neither.
    assert rules.lift[A, C] == 0
    assert np.all(np.diag(rules.lift) == 0)
    stricter = baskets.basket_rules(sparse.csr_array(matrix(BASKETS)), min_pairs=3)
    assert stricter.lift[C, D] == 0
    assert stricter.lift[A, B] == pytest.approx(1.6)


def test_suggestions_leave_out_what_was_bought_best_lift_first(rules):
    bought = matrix([{A}, {A, C}, {A, B}, {C}])
    found = baskets.suggest(bought, rules, np.zeros_like(bought, dtype=bool), top=2)
    assert found.product.tolist() == [[B, -1], [B, D], [-1, -1], [D, -1]]
    assert found.because.tolist() == [[A, -1], [A, C], [-1, -1], [C, -1]]
    assert found.lift[1].tolist() == pytest.approx([1.6, 1.25])
    assert found.share[1].tolist() == pytest.approx([0.8, 0.5])


def test_ruled_out_products_are_never_suggested(rules):
    bought = matrix([{A, C}])
    ruled_out = np.array([[False, True, False, False]])
    found = baskets.suggest(bought, rules, ruled_out, top=2)
    assert found.product.tolist() == [[D, -1]]


def test_dietary_preferences_rule_out_their_categories():
    assert baskets.ruled_out_categories([" Vegetarian ", "halal"]) == {
        "meat",
        "seafood",
        "pork",
        "spirits",
    }
    assert baskets.ruled_out_categories(["loves spice"]) == frozenset()


def test_suggestions_in_chunks_are_each_customers_best_rules_counted_one_by_one():
    """On random baskets, the suggestions made a chunk at a time (as the refresh makes them)
    are what a customer-by-customer count gives: per product not bought nor ruled out, the
    strongest rule from a bought product (the first on a tie), best lift, share, then product
    first."""
    rng = np.random.default_rng(19)
    products, customers = 12, 400
    popular = rng.uniform(0.05, 0.6, products)
    bought = (rng.random((customers, products)) < popular).astype(np.float32)
    bought[:, 3] = bought[:, 2]  # a strong rule each way
    ruled_out = rng.random((customers, products)) < 0.1
    matrix = sparse.csr_array(bought)
    rules = baskets.basket_rules(matrix, min_pairs=5)
    assert np.count_nonzero(rules.lift) > 10

    pieces = list(baskets.chunks(matrix, cells=500))
    assert len(pieces) > 10
    assert sorted(np.concatenate(pieces).tolist()) == list(range(customers))
    found = {}
    for rows in pieces:
        made = baskets.suggest(matrix[rows], rules, ruled_out[rows])
        for row, products_, because, lift, share in zip(
            rows, made.product, made.because, made.lift, made.share, strict=True
        ):
            found[row] = [
                (int(p), int(b), float(lf), float(s))
                for p, b, lf, s in zip(products_, because, lift, share, strict=True)
                if p >= 0
            ]

    lift32 = rules.lift.astype(np.float32)
    for row in range(customers):
        have = np.flatnonzero(bought[row])
        ranked = []
        for y in range(products):
            if bought[row, y] or ruled_out[row, y] or not len(have):
                continue
            x = max(have, key=lambda x: (lift32[x, y], -x))
            if lift32[x, y] > 0:
                ranked.append((-float(lift32[x, y]), -float(rules.share[x, y]), y, int(x)))
        expected = [(y, x, -lift, -share) for lift, share, y, x in sorted(ranked)]
        assert found[row] == expected[: baskets.TOP], row
