"""Access and portability exports: a ZIP with one JSON file per data category, one CSV per
table, the Art. 15 facts and a readable HTML summary, written to disk until it expires.

Everything comes from the registry, so a newly registered table is exported too. Secret
identifiers (tax ids, codes) appear only as "***" (CCPA §7024(d)).
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from portal.compliance.locations import CATEGORY_FACTS
from portal.compliance.models import DataExport
from portal.compliance.registry import Location, locations
from portal.extensions import db
from portal.spreadsheet import records_csv

EXPORT_TTL = timedelta(days=7)
MASK = "***"


def export_dir() -> Path:
    configured = current_app.config.get("COMPLIANCE_EXPORT_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "dsar-exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(location: Location, customer_id: str) -> list[dict]:
    table = location.table_
    hidden = {f.column for f in location.fields if not f.exported}
    rows = db.session.execute(select(table).where(location.rows_of(customer_id))).mappings()
    return [
        {k: (MASK if v else v) if k in hidden else _plain(v) for k, v in row.items()}
        for row in rows
    ]


def collect(customer_id: str) -> dict[str, dict[str, list[dict]]]:
    """{category: {table: rows}} for every registered location that holds rows."""
    data: dict[str, dict[str, list[dict]]] = {}
    for location in locations():
        rows = _rows(location, customer_id)
        if rows:
            data.setdefault(location.category.value, {})[location.table] = rows
    return data


def _csv(rows: list[dict]) -> str:
    return records_csv(
        [
            {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in r.items()}
            for r in rows
        ]
    )


def art15_facts(categories) -> dict[str, dict]:
    return {c: CATEGORY_FACTS[c]._asdict() for c in categories}


def build_zip(customer_id: str, generated_at: datetime) -> bytes:
    data = collect(customer_id)
    facts = art15_facts(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for category, tables in data.items():
            archive.writestr(f"json/{category.lower()}.json", json.dumps(tables, indent=2))
            for table, rows in tables.items():
                archive.writestr(f"csv/{table}.csv", _csv(rows))
        archive.writestr(
            "art15.json",
            json.dumps(
                {"customerId": customer_id, "generatedAt": generated_at.isoformat(), **facts},
                indent=2,
            ),
        )
        archive.writestr(
            "summary.html",
            # The environment's own render: no request context (CLI, jobs) is needed.
            current_app.jinja_env.get_template("compliance/export_summary.html").render(
                customer_id=customer_id,
                generated_at=generated_at,
                data=data,
                facts=facts,
            ),
        )
    return buffer.getvalue()


def write_export(request_id: str, customer_id: str, actor_id: str, now: datetime) -> DataExport:
    content = build_zip(customer_id, now)
    export = DataExport(
        request_id=request_id,
        customer_id=customer_id,
        size=len(content),
        created_by=actor_id,
        created_at=now,
        expires_at=now + EXPORT_TTL,
        downloads=0,
    )
    export.file_name = f"dsar-{request_id}-{now:%Y%m%d%H%M%S}.zip"
    (export_dir() / export.file_name).write_bytes(content)
    db.session.add(export)
    return export


def delete_files(where, now: datetime) -> int:
    """Delete the files of the exports matching `where` and mark them deleted."""
    exports = list(
        db.session.scalars(select(DataExport).where(where, DataExport.deleted_at.is_(None)))
    )
    for found in exports:
        path_of(found).unlink(missing_ok=True)
    if exports:
        db.session.execute(
            update(DataExport)
            .where(DataExport.id.in_([e.id for e in exports]))
            .values(deleted_at=now)
        )
    return len(exports)


def path_of(export: DataExport) -> Path:
    return export_dir() / export.file_name
