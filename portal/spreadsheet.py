"""Every CSV the portal writes goes through here, so that no cell becomes a formula.

Excel, LibreOffice and Google Sheets evaluate a cell that starts with one of FORMULA_START
(`=HYPERLINK(...)`, `+1+cmd|...`, `@SUM(...)`), whatever follows: text such as a name, a note
or a phone number that starts so is written with a leading apostrophe, which the spreadsheet
shows as text. Numbers that the database holds as numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64_000


def cell(value) -> str | int | float | Decimal:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_chunks(header: Sequence[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text of `header` and `rows`, in pieces of about CHUNK characters to stream."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(cell(name) for name in header)
    for row in rows:
        writer.writerow(cell(value) for value in row)
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(header: Sequence[str], rows: Iterable[Iterable]) -> str:
    return "".join(csv_chunks(header, rows))


def records_csv(records: Sequence[dict]) -> str:
    """Rows of one shape as CSV, the first row's keys as the header; nothing for no rows."""
    if not records:
        return ""
    return csv_text(list(records[0]), (record.values() for record in records))
