"""The fields a segment rule can test, the operators each kind of field allows, and where each
field lives in SQL.

`Sources` hands out the joined tables a compiled rule needs (metrics, order windows, the
default shipping address, preferences). In `joined` mode (a full recompute, previews) every
order window any rule names comes from ONE pass over the recent orders (GROUP BY customer with
a FILTER per window), not one GROUP BY per window; for a handful of customers the windows are
correlated subqueries that probe the (customer_id, placed_at) index instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Select, and_, func, literal_column, select
from sqlalchemy.orm import aliased

from portal.customers.models import Customer, CustomerAddress, CustomerPreference
from portal.customers.values import (
    COMPANY_SIZES,
    PAYMENT_TERMS,
    AddressType,
    CustomerStatus,
    CustomerType,
)
from portal.segmentation.models import CustomerMetrics, CustomerOrder

BASE_CURRENCY = "USD"

# Operators by field kind, in the order the editor offers them.
OPERATORS: dict[str, tuple[str, ...]] = {
    "number": ("gte", "gt", "lte", "lt", "eq", "ne", "between", "is_empty", "is_not_empty"),
    "money": ("gte", "gt", "lte", "lt", "eq", "ne", "between"),
    "choice": ("in", "not_in"),
    "text": ("eq", "ne", "in", "not_in", "is_empty", "is_not_empty"),
    "bool": ("is_true", "is_false"),
    "date": ("within_last", "more_than_ago", "before", "after", "is_empty", "is_not_empty"),
}
OPERATOR_LABELS = {
    "gte": "≥",
    "gt": ">",
    "lte": "≤",
    "lt": "<",
    "eq": "=",
    "ne": "≠",
    "between": "between",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
    "in": "is one of",
    "not_in": "is none of",
    "is_true": "is yes",
    "is_false": "is no",
    "within_last": "in the last",
    "more_than_ago": "more than … ago",
    "before": "before",
    "after": "after",
}
# Operators that take no value, and the date operators that take an amount of time.
NO_VALUE = frozenset({"is_empty", "is_not_empty", "is_true", "is_false"})
RELATIVE = frozenset({"within_last", "more_than_ago"})
TIME_UNITS = ("days", "months")


class Sources:
    """The tables around `customer` that the compiled rules use, joined on demand."""

    def __init__(self, now: datetime, *, joined: bool = True):
        self.now = now
        self.joined = joined
        self.metrics = aliased(CustomerMetrics, name="m")
        self._uses_metrics = False
        self._windows: set[int] = set()
        self._address = None
        self._preference = None
        self._supplied: dict[str, tuple] = {}

    def metric(self, name: str) -> ColumnElement:
        self._uses_metrics = True
        return getattr(self.metrics, name)

    def _live(self, days: int) -> ColumnElement:
        return CustomerOrder.placed_at >= self.now - timedelta(days=days)

    def window(self, days: int, measure: str) -> ColumnElement:
        """Orders (`count`) or base-currency spend (`spend`) in the last `days` days, 0 if none."""
        in_base = CustomerOrder.currency == BASE_CURRENCY
        if not self.joined:
            value = func.sum(CustomerOrder.amount_minor).filter(in_base)
            value = value if measure == "spend" else func.count()
            return func.coalesce(
                select(value)
                .where(
                    CustomerOrder.customer_id == Customer.id,
                    self._live(days),
                    CustomerOrder.cancelled_at.is_(None),
                )
                .scalar_subquery(),
                0,
            )
        # A column of the one windows subquery `w`, built in join() once every rule that
        # names a window has been compiled; its name is ours, never user input.
        self._windows.add(days)
        return func.coalesce(literal_column(f"w.{measure}_{days}", BigInteger), 0)

    def _window_table(self):
        in_base = CustomerOrder.currency == BASE_CURRENCY
        columns = []
        for days in sorted(self._windows):
            live = self._live(days)
            columns += [
                func.count().filter(live).label(f"count_{days}"),
                func.sum(CustomerOrder.amount_minor).filter(live & in_base).label(f"spend_{days}"),
            ]
        return (
            select(CustomerOrder.customer_id, *columns)
            .where(self._live(max(self._windows)), CustomerOrder.cancelled_at.is_(None))
            .group_by(CustomerOrder.customer_id)
            .subquery("w")
        )

    def country(self) -> ColumnElement:
        if self._address is None:
            self._address = aliased(CustomerAddress, name="a")
        return self._address.country

    def language(self) -> ColumnElement:
        if self._preference is None:
            self._preference = aliased(CustomerPreference, name="p")
        return self._preference.language

    def supplied(self, name: str, table, on: Callable[[Any], ColumnElement]):
        """The table of a field another area supplied (see `supply`), outer-joined once as
        `name` on `on(alias)`; a row per customer at most."""
        if name not in self._supplied:
            alias = aliased(table, name=name)
            self._supplied[name] = (alias, on(alias))
        return self._supplied[name][0]

    def join(self, query: Select) -> Select:
        """Outer-join every source the compiled expressions used onto `customer`."""
        for alias, on in self._supplied.values():
            query = query.outerjoin(alias, on)
        if self._uses_metrics:
            query = query.outerjoin(self.metrics, self.metrics.customer_id == Customer.id)
        if self._windows:
            window = self._window_table()
            query = query.outerjoin(window, window.c.customer_id == Customer.id)
        if self._address is not None:
            a = self._address
            query = query.outerjoin(
                a,
                and_(
                    a.customer_id == Customer.id,
                    a.address_type == AddressType.SHIPPING,
                    a.is_default.is_(True),
                ),
            )
        if self._preference is not None:
            query = query.outerjoin(self._preference, self._preference.customer_id == Customer.id)
        return query


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    group: str
    kind: str
    sql: Callable[[Sources, dict], ColumnElement]
    choices: tuple[str, ...] = ()
    windowed: bool = False  # the condition also names a number of days

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind]


def _column(column) -> Callable[[Sources, dict], ColumnElement]:
    return lambda _sources, _condition: column


def _type_data(key: str) -> Callable[[Sources, dict], ColumnElement]:
    # JSON extraction rendered per dialect (->> on PostgreSQL, JSON_EXTRACT on SQLite).
    return lambda _sources, _condition: Customer.type_data[key].as_integer()


def _metric(name: str, *, count: bool = True) -> Callable[[Sources, dict], ColumnElement]:
    def sql(sources: Sources, _condition: dict) -> ColumnElement:
        column = sources.metric(name)
        return func.coalesce(column, 0) if count else column

    return sql


def _window(measure: str) -> Callable[[Sources, dict], ColumnElement]:
    return lambda sources, condition: sources.window(condition["days"], measure)


def _average(sources: Sources, _condition: dict) -> ColumnElement:
    count = sources.metric("order_count")
    return sources.metric("order_total_minor") / func.nullif(count, 0)


ATTRIBUTES = "Customer"
BEHAVIOUR = "Behaviour"
TYPE_FIELDS = "Type-specific"

FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field(
            "customer_type",
            "Customer type",
            ATTRIBUTES,
            "choice",
            _column(Customer.customer_type),
            tuple(t.value for t in CustomerType),
        ),
        Field(
            "status",
            "Status",
            ATTRIBUTES,
            "choice",
            _column(Customer.status),
            tuple(s.value for s in CustomerStatus),
        ),
        Field(
            "country", "Country (default shipping)", ATTRIBUTES, "text", lambda s, c: s.country()
        ),
        Field("language", "Language", ATTRIBUTES, "text", lambda s, c: s.language()),
        Field("created_at", "Customer since", ATTRIBUTES, "date", _column(Customer.created_at)),
        Field(
            "marketing_opt_out",
            "Opted out of marketing",
            ATTRIBUTES,
            "bool",
            _column(Customer.marketing_opt_out),
        ),
        Field(
            "company_size",
            "Company size",
            ATTRIBUTES,
            "choice",
            _column(Customer.company_size),
            COMPANY_SIZES,
        ),
        Field(
            "payment_terms",
            "Payment terms",
            ATTRIBUTES,
            "choice",
            _column(Customer.payment_terms),
            PAYMENT_TERMS,
        ),
        Field(
            "year_established",
            "Year established",
            ATTRIBUTES,
            "number",
            _column(Customer.year_established),
        ),
        Field(
            "seating_capacity",
            "Seating capacity",
            TYPE_FIELDS,
            "number",
            _type_data("seating_capacity"),
        ),
        Field("star_rating", "Star rating", TYPE_FIELDS, "number", _type_data("star_rating")),
        Field("dining_venues", "Dining venues", TYPE_FIELDS, "number", _type_data("dining_venues")),
        Field(
            "client_capacity",
            "Client capacity",
            TYPE_FIELDS,
            "number",
            _type_data("client_capacity"),
        ),
        Field(
            "retail_square_footage",
            "Retail square footage",
            TYPE_FIELDS,
            "number",
            _type_data("retail_square_footage"),
        ),
        Field(
            "customer_volume",
            "Customer volume",
            TYPE_FIELDS,
            "number",
            _type_data("customer_volume"),
        ),
        Field("family_size", "Family size", TYPE_FIELDS, "number", _type_data("family_size")),
        Field(
            "generational_remove",
            "Generational remove",
            TYPE_FIELDS,
            "number",
            _type_data("generational_remove"),
        ),
        Field(
            "orders_in_window",
            "Orders in the last N days",
            BEHAVIOUR,
            "number",
            _window("count"),
            windowed=True,
        ),
        Field(
            "spend_in_window",
            "Spend in the last N days",
            BEHAVIOUR,
            "money",
            _window("spend"),
            windowed=True,
        ),
        Field("order_count", "Orders (all time)", BEHAVIOUR, "number", _metric("order_count")),
        Field(
            "lifetime_spend", "Spend (all time)", BEHAVIOUR, "money", _metric("order_total_minor")
        ),
        Field("average_order_value", "Average order value", BEHAVIOUR, "money", _average),
        Field(
            "last_order_at", "Last order", BEHAVIOUR, "date", _metric("last_order_at", count=False)
        ),
        Field(
            "active_subscription",
            "Active subscription",
            BEHAVIOUR,
            "bool",
            lambda s, c: func.coalesce(s.metric("active_subscription"), False),
        ),
        Field("email_opens", "E-mail opens", BEHAVIOUR, "number", _metric("email_opens")),
        Field("email_clicks", "E-mail clicks", BEHAVIOUR, "number", _metric("email_clicks")),
        Field(
            "campaign_conversions",
            "Campaign conversions",
            BEHAVIOUR,
            "number",
            _metric("campaign_conversions"),
        ),
        Field("review_count", "Product reviews", BEHAVIOUR, "number", _metric("review_count")),
        Field(
            "support_ticket_count",
            "Support tickets",
            BEHAVIOUR,
            "number",
            _metric("support_ticket_count"),
        ),
        Field(
            "payment_method_count",
            "Payment methods",
            BEHAVIOUR,
            "number",
            _metric("payment_method_count"),
        ),
    )
}


def supply(*fields: Field) -> None:
    """Fields an area above segmentation adds on its own tables (insights' scores), given at
    its import: segmentation never imports that area, so the layers stay acyclic."""
    for field in fields:
        if field.name in FIELDS:
            raise ValueError(f"segment field {field.name} is supplied twice")
        FIELDS[field.name] = field
