"""The refresh's recommendations and upsell (CustomerInsightService's product recommendations
and upsell opportunities), stored for the profile to read.

Recommendations: each customer's products (from the order lines, one grouped read) are put in
a customers-by-products matrix per segment; the co-occurrence rules with their lift come from one
sparse product (baskets.basket_rules), the suggestions from the rules of the products each
customer bought, a chunk of customers at a time, leaving out what they bought and the categories
their dietary preferences rule out. A cancelled order's lines count: they still say what the
customer wanted.

Upsell: each business customer's average order (the stored score's) against the median of
their peers', the business customers of the same type and company size who order in the same
currency.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from scipy import sparse
from sqlalchemy import Connection, String, cast, delete, func, select

from portal.bulk import bulk_insert
from portal.customers.models import Customer, CustomerPreference
from portal.customers.values import B2B_TYPES
from portal.insights import baskets
from portal.insights.models import CustomerInsight, CustomerRecommendation, CustomerUpsell
from portal.segmentation.models import CustomerOrderLine, CustomerSegment, Segment

CHUNK = 5_000  # customers by products by products, float32, per chunk: ~70 MB at 60 products
MIN_PEERS = 5  # fewer others of the same type and size: no comparison


def store_recommendations(
    connection: Connection, now: datetime, min_pairs: int = baskets.MIN_PAIRS
) -> int:
    """Replace every customer's recommendations; how many customers got one."""
    rows = _recommendations(connection, now, min_pairs)
    connection.execute(delete(CustomerRecommendation.__table__))
    bulk_insert(connection, CustomerRecommendation.__table__, rows)
    return len({row["customer_id"] for row in rows})


def store_upsells(connection: Connection, now: datetime, min_peers: int = MIN_PEERS) -> int:
    """Replace the business customers' upsell rows; how many there are."""
    rows = _upsells(connection, now, min_peers)
    connection.execute(delete(CustomerUpsell.__table__))
    bulk_insert(connection, CustomerUpsell.__table__, rows)
    return len(rows)


def _products_bought(connection: Connection) -> pd.DataFrame:
    line, placed = CustomerOrderLine, CustomerSegment
    query = (
        select(
            line.customer_id,
            func.coalesce(placed.segment_id, ""),
            line.product_id,
            func.max(line.category),
        )
        .outerjoin(placed, placed.customer_id == line.customer_id)
        .group_by(line.customer_id, placed.segment_id, line.product_id)
    )
    return pd.DataFrame(
        connection.execute(query).all(), columns=["customer", "segment", "product", "category"]
    )


def _ruled_out(connection: Connection) -> dict[str, frozenset[str]]:
    """Customer → the categories their dietary preferences rule out (those who have any)."""
    p = CustomerPreference
    rows = connection.execute(
        select(p.customer_id, p.dietary_preferences).where(
            cast(p.dietary_preferences, String) != "[]"
        )
    )
    found = {customer: baskets.ruled_out_categories(diets or []) for customer, diets in rows}
    return {customer: out for customer, out in found.items() if out}


def _recommendations(connection: Connection, now: datetime, min_pairs: int) -> list[dict]:
    bought = _products_bought(connection)
    if bought.empty:
        return []
    product_codes, products = pd.factorize(bought["product"])
    bought["p"] = product_codes
    category = bought.groupby("p")["category"].max().to_numpy()
    ruled_out = _ruled_out(connection)
    masks: dict[frozenset[str], np.ndarray] = {}  # ruled-out categories → ruled-out products
    names = dict(connection.execute(select(Segment.id, Segment.name)).all())
    rows: list[dict] = []
    for segment, group in bought.groupby("segment", sort=False):
        customer_codes, customers = pd.factorize(group["customer"])
        matrix = sparse.csr_array(
            (np.ones(len(group), dtype=np.float32), (customer_codes, group["p"].to_numpy())),
            shape=(len(customers), len(products)),
        )
        rules = baskets.basket_rules(matrix, min_pairs)
        if not rules.lift.any():
            continue
        name = names.get(segment, "")
        for start in range(0, len(customers), CHUNK):
            chunk = customers[start : start + CHUNK]
            excluded = np.zeros((len(chunk), len(products)), dtype=bool)
            for row, customer in enumerate(chunk):
                if out := ruled_out.get(customer):
                    if out not in masks:
                        masks[out] = np.isin(category, list(out))
                    excluded[row] = masks[out]
            found = baskets.suggest(matrix[start : start + CHUNK].toarray(), rules, excluded)
            for row, rank in zip(*np.nonzero(found.product >= 0), strict=True):
                rows.append(
                    {
                        "customer_id": chunk[row],
                        "rank": int(rank) + 1,
                        "product_id": products[found.product[row, rank]],
                        "category": category[found.product[row, rank]],
                        "because_product_id": products[found.because[row, rank]],
                        "segment_name": name,
                        "share": float(found.share[row, rank]),
                        "lift": float(found.lift[row, rank]),
                        "computed_at": now,
                    }
                )
    return rows


def _upsells(connection: Connection, now: datetime, min_peers: int) -> list[dict]:
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
    if frame.empty:
        return []
    peers = frame.groupby(["customer_type", "company_size", "currency"])["average"]
    frame["median"] = peers.transform("median")
    frame["peers"] = peers.transform("size") - 1
    frame = frame[frame["peers"] >= min_peers]
    return [
        {
            "customer_id": row.customer_id,
            "customer_type": row.customer_type,
            "company_size": row.company_size,
            "currency": row.currency,
            "average_order_minor": int(row.average),
            "peer_median_minor": round(row.median),
            "peers": int(row.peers),
            "computed_at": now,
        }
        for row in frame.itertuples(index=False)
    ]
