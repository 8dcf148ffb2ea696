"""The refresh's recommendations and upsell (CustomerInsightService's product recommendations
and upsell opportunities), stored for the profile to read.

Recommendations: every customer's products (from the order lines, one grouped read streamed a
partition at a time) go into one sparse customers-by-products matrix, each customer's segment
and the categories their dietary preferences rule out into small integer codes beside it, so a
million customers cost a few arrays and no Python object each. Per segment the co-occurrence
rules with their lift come from one sparse product (baskets.basket_rules), the suggestions from
the rules of the products each customer bought, a chunk of customers at a time, leaving out what
they bought and what their diet rules out; each chunk is written by COPY as it is made. A
cancelled order's lines count: they still say what the customer wanted.

Upsell: each business customer's average order (the stored score's) against the median of
their peers', the business customers of the same type and company size who order in the same
currency.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
from scipy import sparse
from sqlalchemy import Connection, Row, Select, String, cast, delete, func, select

from portal.bulk import bulk_insert_columns
from portal.customers.models import Customer, CustomerPreference
from portal.customers.values import B2B_TYPES
from portal.insights import baskets
from portal.insights.models import CustomerInsight, CustomerRecommendation, CustomerUpsell
from portal.segmentation.models import CustomerOrderLine, CustomerSegment, Segment

PARTITION = 50_000  # rows fetched at a time
MIN_PEERS = 5  # fewer others of the same type and size: no comparison


def _noop(step: str) -> None:
    """No progress to show."""


def store_recommendations(
    connection: Connection,
    now: datetime,
    min_pairs: int = baskets.MIN_PAIRS,
    progress: Callable[[str], None] = _noop,
) -> int:
    """Replace every customer's recommendations; how many customers got one. `progress` hears
    "baskets" once everyone's products are read."""
    found = _baskets(connection)
    progress("baskets")
    connection.execute(delete(CustomerRecommendation.__table__))
    if found is None:
        return 0
    names = dict(connection.execute(select(Segment.id, Segment.name)).all())
    recommended = 0
    for segment, members in found.segments():
        bought = found.bought[members]
        rules = baskets.basket_rules(bought, min_pairs)
        if not rules.lift.any():
            continue
        for chunk in baskets.chunks(bought):
            rows = members[chunk]
            suggested = baskets.suggest(bought[chunk], rules, found.ruled_out(rows))
            recommended += _store_chunk(
                connection, found, rows, suggested, names.get(segment, ""), now
            )
    return recommended


def store_upsells(connection: Connection, now: datetime, min_peers: int = MIN_PEERS) -> int:
    """Replace the business customers' upsell rows; how many there are."""
    i, c = CustomerInsight, Customer
    query = (
        select(
            i.customer_id,
            cast(c.customer_type, String),
            func.coalesce(c.company_size, ""),
            i.currency,
            i.average_order_minor,
        )
        .join(c, c.id == i.customer_id)
        .where(c.customer_type.in_(sorted(B2B_TYPES)))
    )
    frame = pd.DataFrame(
        connection.execute(query).all(),
        columns=["customer_id", "customer_type", "company_size", "currency", "average"],
    )
    connection.execute(delete(CustomerUpsell.__table__))
    if frame.empty:
        return 0
    peers = frame.groupby(["customer_type", "company_size", "currency"])["average"]
    frame["peer_median_minor"] = np.rint(peers.transform("median")).astype(np.int64)
    frame["peers"] = peers.transform("size") - 1
    frame = frame[frame["peers"] >= min_peers]
    columns = ["customer_id", "customer_type", "company_size", "currency"]
    bulk_insert_columns(
        connection,
        CustomerUpsell.__table__,
        {name: frame[name].tolist() for name in columns}
        | {
            "average_order_minor": frame["average"].astype(np.int64).tolist(),
            "peer_median_minor": frame["peer_median_minor"].tolist(),
            "peers": frame["peers"].tolist(),
            "computed_at": [now] * len(frame),
        },
    )
    return len(frame)


@dataclass
class _Baskets:
    """Every customer with an order line, one row each (in the order read): their id (UTF-8
    bytes), the products they bought, their segment's code and their diet's code."""

    customer_id: np.ndarray
    bought: sparse.csr_array  # customers by products, 1 where bought
    segment: np.ndarray  # code into segment_ids
    segment_ids: list[str]  # "" for customers in no segment
    diet: np.ndarray  # code into excluded: 0 rules out nothing
    excluded: np.ndarray  # diet code by product: ruled out
    products: np.ndarray  # product ids, by code
    category: np.ndarray  # each product's category

    def segments(self) -> Iterator[tuple[str, np.ndarray]]:
        """Each segment's id and its customers' rows."""
        order = np.argsort(self.segment, kind="stable")
        starts = np.searchsorted(self.segment[order], np.arange(len(self.segment_ids) + 1))
        for code, (start, end) in enumerate(itertools.pairwise(starts)):
            if end > start:
                yield self.segment_ids[code], order[start:end]

    def ruled_out(self, rows: np.ndarray) -> np.ndarray:
        return self.excluded[self.diet[rows]]


def _baskets(connection: Connection) -> _Baskets | None:
    """Everyone's products, segment and diet; None when nobody has an order line."""
    line = CustomerOrderLine
    catalogue = connection.execute(
        select(line.product_id, func.max(line.category))
        .group_by(line.product_id)
        .order_by(line.product_id)
    ).all()
    if not catalogue:
        return None
    products = np.array([product for product, _ in catalogue], dtype=object)
    category = np.array([category for _, category in catalogue], dtype=object)
    ids, bought = _products_bought(connection, pd.Index(products))
    if not len(ids):  # the lines were deleted since the catalogue was read
        return None
    order = np.argsort(ids)  # to find a customer's row by id (the database's order may differ)
    segment_ids = [""]
    segment = np.zeros(len(ids), dtype=np.int32)
    placed = select(CustomerSegment.customer_id, CustomerSegment.segment_id)
    for keys, values in _per_customer(connection, placed):
        rows, found = _rows_of(ids, order, keys)
        segment[rows] = _codes(segment_ids, itertools.compress(values, found))
    diets = [frozenset[str]()]
    diet = np.zeros(len(ids), dtype=np.int32)
    p = CustomerPreference
    preferences = select(p.customer_id, p.dietary_preferences).where(
        cast(p.dietary_preferences, String) != "[]"
    )
    for keys, values in _per_customer(connection, preferences):
        rows, found = _rows_of(ids, order, keys)
        chosen = itertools.compress(values, found)
        diet[rows] = _codes(diets, (baskets.ruled_out_categories(v or []) for v in chosen))
    excluded = np.array([np.isin(category, list(out)) for out in diets], dtype=bool)
    return _Baskets(ids, bought, segment, segment_ids, diet, excluded, products, category)


def _products_bought(
    connection: Connection, products: pd.Index
) -> tuple[np.ndarray, sparse.csr_array]:
    """The customers with order lines (UTF-8 ids) and their products as a sparse matrix, from
    the (customer, product) pairs read in customer order: each customer's pairs are together.
    A product first sold after the catalogue was read is left out until the next run."""
    line = CustomerOrderLine
    query = (
        select(line.customer_id, line.product_id)
        .group_by(line.customer_id, line.product_id)
        .order_by(line.customer_id)
    )
    ids = [np.array([], dtype="S1")]
    rows = [np.array([], dtype=np.int32)]
    columns = [np.array([], dtype=np.int32)]
    last, count = None, 0
    for partition in _streamed(connection, query):
        customer = np.array([row[0] for row in partition], dtype=object)
        new = np.empty(len(customer), dtype=bool)
        new[0] = customer[0] != last
        new[1:] = customer[1:] != customer[:-1]
        ids.append(_utf8(customer[new]))
        rows.append((count + np.cumsum(new) - 1).astype(np.int32))
        columns.append(products.get_indexer([row[1] for row in partition]).astype(np.int32))
        last, count = customer[-1], count + int(np.count_nonzero(new))
    row, column = np.concatenate(rows), np.concatenate(columns)
    known = column >= 0
    bought = sparse.csr_array(
        (np.ones(np.count_nonzero(known), dtype=np.float32), (row[known], column[known])),
        shape=(count, len(products)),
    )
    bought.sort_indices()
    return np.concatenate(ids), bought


def _per_customer(connection: Connection, query: Select) -> Iterator[tuple[np.ndarray, list]]:
    """A two-column read, a partition at a time: UTF-8 customer ids and the values."""
    for partition in _streamed(connection, query):
        yield _utf8([row[0] for row in partition]), [row[1] for row in partition]


def _streamed(connection: Connection, query: Select) -> Iterator[Sequence[Row]]:
    """The rows PARTITION at a time (a server-side cursor on PostgreSQL)."""
    return connection.execute(query, execution_options={"yield_per": PARTITION}).partitions()


def _rows_of(ids: np.ndarray, order: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of `ids` (sorted by `order`) holding `keys`, and which keys have one."""
    at = np.minimum(np.searchsorted(ids, keys, sorter=order), len(ids) - 1)
    found = ids[order[at]] == keys
    return order[at[found]], found


def _codes(known: list, values) -> list[int]:
    """The position of each value in `known`, added at the end when new."""
    index = {value: code for code, value in enumerate(known)}
    codes = []
    for value in values:
        if value not in index:
            index[value] = len(known)
            known.append(value)
        codes.append(index[value])
    return codes


def _utf8(values) -> np.ndarray:
    return np.array([value.encode() for value in values], dtype=bytes)


def _store_chunk(
    connection: Connection,
    found: _Baskets,
    rows: np.ndarray,
    suggested: baskets.Suggestions,
    segment_name: str,
    now: datetime,
) -> int:
    """Write a chunk's suggestions by COPY; how many of its customers got one."""
    at, rank = np.nonzero(suggested.product >= 0)
    product, because = suggested.product[at, rank], suggested.because[at, rank]
    count = len(at)
    bulk_insert_columns(
        connection,
        CustomerRecommendation.__table__,
        {
            "customer_id": [value.decode() for value in found.customer_id[rows[at]].tolist()],
            "rank": (rank + 1).tolist(),
            "product_id": found.products[product].tolist(),
            "category": found.category[product].tolist(),
            "because_product_id": found.products[because].tolist(),
            "segment_name": [segment_name] * count,
            "share": suggested.share[at, rank].tolist(),
            "lift": suggested.lift[at, rank].tolist(),
            "computed_at": [now] * count,
        },
    )
    return int(np.count_nonzero(suggested.product[:, 0] >= 0))
