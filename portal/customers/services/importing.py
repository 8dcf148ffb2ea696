"""CSV import of customers: a dry run that only reports, and a real run through the services.

Each row is matched on e-mail, case-insensitively. A match is edited with update_customer, any
other row is registered with register_customer (then its address added), so the rules, audit
entries and events are the ones staff get when typing the data in. A refused row is reported
with its messages per column and the next row goes on.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field, fields
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from portal.customers.adapters import standardize
from portal.customers.models import Customer
from portal.customers.rules import (
    TYPE_FIELDS,
    ErrorList,
    Errors,
    address_errors,
    normalise_phone,
)
from portal.customers.services._common import SECRET_FIELDS
from portal.customers.services.acquisition import new_customer_acquisition
from portal.customers.services.addresses import add_address
from portal.customers.services.profile import (
    CONTACT_SETTINGS,
    _profile_errors,
    profile_values,
    register_customer,
    update_customer,
)
from portal.customers.services.validation import registration_errors
from portal.customers.values import (
    AddressData,
    AddressType,
    BusinessIdentification,
    ContactInfo,
    ContactMethod,
    CustomerType,
    NewCustomer,
    ProfileChanges,
)
from portal.domain import NON_FIELD, DomainError, Refusal
from portal.extensions import db
from portal.labels import Labelled
from portal.security import audit
from portal.security.models import User

MAX_ROWS = 5_000
REQUIRED_COLUMNS = ("name", "customer_type")
CONTACT_COLUMNS = tuple(f.name for f in fields(ContactInfo))
BUSINESS_COLUMNS = tuple(f.name for f in fields(BusinessIdentification))
ADDRESS_COLUMNS = ("address_type", "street1", "street2", "city", "state", "postal_code", "country")
# Taken on a new customer only: where someone came from is not re-imported.
ACQUISITION_COLUMNS = ("acquisition_channel", "acquisition_source")
COLUMNS = (
    *REQUIRED_COLUMNS,
    *CONTACT_COLUMNS,
    "marketing_opt_out",
    *BUSINESS_COLUMNS,
    *ACQUISITION_COLUMNS,
)
TYPE_PREFIX = "type."
FLAGS = ("do_not_contact", "marketing_opt_out")
TRUE, FALSE = {"yes", "y", "true", "1"}, {"no", "n", "false", "0", ""}


class Outcome(Labelled):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass
class RowReport:
    line: int  # as a spreadsheet numbers it: the header is line 1
    outcome: Outcome
    customer_id: str | None = None
    errors: Errors = field(default_factory=dict)


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowReport]

    @property
    def counts(self) -> Counter:
        return Counter(row.outcome for row in self.rows)


class ImportRefused(DomainError):
    """The file as a whole cannot be read (encoding, columns, size): no row was looked at."""

    def __init__(self, message: str):
        super().__init__({"file": [message]})


def read_rows(content: bytes) -> list[dict[str, str]]:
    """The rows as {column: stripped text}; refuses files it cannot trust to read right."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not UTF-8 text; save it as CSV UTF-8.") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportRefused(f"Line {line} holds a NUL character; a CSV file holds text only.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or []]
    if missing := [c for c in REQUIRED_COLUMNS if c not in header]:
        raise ImportRefused(f"Missing column(s): {', '.join(missing)}.")
    if "email" not in header and "phone" not in header:
        raise ImportRefused("Add an email or a phone column.")
    known = {*COLUMNS, *ADDRESS_COLUMNS}
    if unknown := [c for c in header if c not in known and not c.startswith(TYPE_PREFIX)]:
        raise ImportRefused(f"Unknown column(s): {', '.join(unknown)}.")
    reader.fieldnames = header
    rows = []
    try:
        for row in reader:
            if len(rows) == MAX_ROWS:
                raise ImportRefused(f"More than {MAX_ROWS} rows; split the file.")
            rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    except csv.Error as exc:
        raise ImportRefused(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    return rows


def _flag(raw: str) -> bool | None:
    return True if raw.lower() in TRUE else False if raw.lower() in FALSE else None


def _typed(check, raw: str) -> Any:
    """The first reading of a `type.` cell the field accepts: text, number, yes/no, a;b list."""
    items = [item.strip() for item in raw.split(";") if item.strip()]
    candidates: list[Any] = [raw]
    number = None
    with suppress(ValueError):
        candidates.append(number := int(raw))
    if (flag := _flag(raw)) is not None:
        candidates.append(flag)
    candidates.append(items)
    # The rule's message then fits what was meant.
    fallback = items if ";" in raw else raw if number is None else number
    return next((value for value in candidates if check(value) is None), fallback)


def _values(cells: dict[str, str], errors: ErrorList) -> dict[str, Any]:
    """The profile columns present in the file, converted; empty cells become None."""
    values: dict[str, Any] = {name: cells[name] or None for name in COLUMNS if name in cells}
    values["name"] = cells.get("name", "")
    for name in ("phone", "alternative_phone"):
        if values.get(name):
            values[name] = normalise_phone(values[name], current_app.config["PHONE_REGION"])
    for name in FLAGS:
        if name in cells:
            values[name] = _flag(cells[name])
            if values[name] is None:
                errors.add(name, "Use yes or no.")
    if method := values.get("preferred_contact_method"):
        try:
            values["preferred_contact_method"] = ContactMethod(method.upper())
        except ValueError:
            errors.add("preferred_contact_method", f"Choose one of {', '.join(ContactMethod)}.")
    if year := values.get("year_established"):
        try:
            values["year_established"] = int(year)
        except ValueError:
            errors.add("year_established", "Enter a year, e.g. 1998.")
    return values


def _type_data(kind: CustomerType, cells: dict[str, str], stored: dict) -> dict:
    """Stored type fields overlaid with the file's `type.` cells (an empty cell removes one)."""
    data = dict(stored)
    for column, raw in cells.items():
        if column.startswith(TYPE_PREFIX):
            name = column.removeprefix(TYPE_PREFIX)
            spec = TYPE_FIELDS[kind].get(name)
            if raw:
                data[name] = _typed(spec.check, raw) if spec else raw
            else:
                data.pop(name, None)
    return data


def _address(cells: dict[str, str], errors: ErrorList) -> AddressData | None:
    if not any(cells.get(name) for name in ADDRESS_COLUMNS):
        return None
    try:
        kind = AddressType((cells.get("address_type") or AddressType.SHIPPING).upper())
    except ValueError:
        errors.add("address_type", f"Choose one of {', '.join(AddressType)}.")
        return None
    values = {name: cells.get(name) or None for name in ADDRESS_COLUMNS[1:]}
    for required in ("street1", "city", "country"):
        values[required] = values[required] or ""
    address = AddressData(address_type=kind, **values)
    errors.extend(address_errors(standardize(address)))
    return address


def _business(kind: CustomerType, values: dict) -> BusinessIdentification | None:
    given = {name: values.get(name) for name in BUSINESS_COLUMNS}
    if not kind.is_b2b and not any(given.values()):
        return None
    return BusinessIdentification(**given)


def _column_errors(kind: CustomerType, errors: Errors) -> Errors:
    """Rule messages keyed by the file's column names."""
    plain = {*COLUMNS, *ADDRESS_COLUMNS} - TYPE_FIELDS[kind].keys()

    def column(name: str) -> str:
        if name == NON_FIELD:
            return "row"
        return name if name in plain else f"{TYPE_PREFIX}{name}"

    return {column(name): messages for name, messages in errors.items()}


class _Importer:
    def __init__(self, actor: User, rows: list[dict[str, str]], dry_run: bool):
        self.actor, self.rows, self.dry_run = actor, rows, dry_run
        emails = {row["email"].casefold() for row in rows if row.get("email")}
        self.existing = _ids_by_email(emails)
        self.seen: dict[str, int] = {}

    def run(self) -> ImportReport:
        reports = [self.row(line, cells) for line, cells in enumerate(self.rows, start=2)]
        return ImportReport(self.dry_run, reports)

    def row(self, line: int, cells: dict[str, str]) -> RowReport:
        errors = ErrorList()
        values = _values(cells, errors)
        try:
            kind = CustomerType(cells["customer_type"].upper())
        except ValueError:
            errors.add("customer_type", f"Choose one of {', '.join(CustomerType)}.")
            return RowReport(line, Outcome.ERROR, errors=errors.as_dict())
        email = (values.get("email") or "").casefold()
        if email in self.seen:
            errors.add("email", f"Also on line {self.seen[email]}; give each customer once.")
        elif email:
            self.seen[email] = line
        if customer_id := self.existing.get(email):
            report = self.update(line, customer_id, kind, cells, values, errors)
        else:
            report = self.create(line, kind, cells, values, errors)
        report.errors = _column_errors(kind, report.errors)
        return report

    def create(self, line, kind, cells, values, errors: ErrorList) -> RowReport:
        data = NewCustomer(
            name=values["name"],
            customer_type=kind,
            contact=ContactInfo(**{n: values[n] for n in CONTACT_COLUMNS if n in values}),
            type_data=_type_data(kind, cells, {}),
            business=_business(kind, values),
            marketing_opt_out=bool(values.get("marketing_opt_out")),
            **{name: (values.get(name) or "").upper() or None for name in ACQUISITION_COLUMNS},
        )
        address = _address(cells, errors)
        errors.extend(registration_errors(data))
        errors.extend(new_customer_acquisition(data)[1])
        if errors.as_dict():
            return RowReport(line, Outcome.ERROR, errors=errors.as_dict())
        if self.dry_run:
            return RowReport(line, Outcome.CREATE)
        try:
            customer = register_customer(self.actor, data)
        except Refusal as exc:
            return RowReport(line, Outcome.ERROR, errors=exc.errors)
        if address is not None:
            try:
                add_address(self.actor, customer.id, address)
            except Refusal as exc:  # the verifier refused what the format check accepted
                return RowReport(line, Outcome.CREATE, customer.id, exc.errors)
        return RowReport(line, Outcome.CREATE, customer.id)

    def update(self, line, customer_id, kind, cells, values, errors: ErrorList) -> RowReport:
        customer = db.session.get(Customer, customer_id)
        if kind != customer.customer_type:
            errors.add("customer_type", "The type changes through segmentation, not an import.")
        if values.get("phone") and values["phone"] != customer.phone:
            errors.add("phone", "The primary phone changes only through a confirmation code.")
        stored = profile_values(customer)
        # Columns left out keep their stored values; so do empty identifier cells.
        given = {
            name: value
            for name, value in values.items()
            if name in stored and not (name in SECRET_FIELDS and value is None)
        }
        merged = {**stored, **given, "type_data": _type_data(kind, cells, stored["type_data"])}
        changes = ProfileChanges(
            **{name: merged[name] for name in ("name", *CONTACT_SETTINGS, "type_data")},
            business=_business(kind, merged),
        )
        errors.extend(_profile_errors(customer, changes))
        if errors.as_dict():
            return RowReport(line, Outcome.ERROR, customer_id, errors.as_dict())
        if self.dry_run:
            outcome = Outcome.UNCHANGED if merged == stored else Outcome.UPDATE
            return RowReport(line, outcome, customer_id)
        version = customer.version_id
        try:
            updated = update_customer(self.actor, customer_id, changes, version)
        except Refusal as exc:
            return RowReport(line, Outcome.ERROR, customer_id, exc.errors)
        outcome = Outcome.UPDATE if updated.version_id != version else Outcome.UNCHANGED
        return RowReport(line, outcome, customer_id)


def _ids_by_email(emails: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        query = select(func.lower(Customer.email), Customer.id).where(
            func.lower(Customer.email).in_(chunk)
        )
        found.update(dict(db.session.execute(query).tuples().all()))
    return found


def import_customers(actor: User, content: bytes, *, dry_run: bool) -> ImportReport:
    """Import a CSV file (columns: see COLUMNS, ADDRESS_COLUMNS, `type.<field>`).

    Raises ImportRefused when the file cannot be read; row problems are in the report.
    """
    report = _Importer(actor, read_rows(content), dry_run).run()
    if not dry_run:
        counts = {outcome.value: report.counts[outcome] for outcome in Outcome}
        audit.record_now(
            "customer.imported",
            user=actor,
            record_type="customer",
            summary=", ".join(f"{n} {o}" for o, n in counts.items()),
            details=counts,
        )
    return report
