"""Every form the portal renders, filled by hypothesis from its own field definitions (as the
page renders them: kind, maxlength, choices) with boundary and hostile values — too long, too
large, wrong type, unicode, NUL — and posted as a browser or htmx would. No answer may be a
5xx, and an answer that refuses the input (4xx) must leave every table as it was.

FUZZ_EXAMPLES sets the examples per form (default 12; `make test` runs the default)."""

from __future__ import annotations

import os
import string

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from tests.conftest import sign_in_client
from tests.crawler import HX, crawl, route_urls
from tests.forms_found import Field, Form, forms_in
from tests.world import build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
# Repeatable in CI (derandomized, no example database); a request is not a unit test's step.
FUZZ = settings(
    deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# Forms that end the fuzzer's own session; each has its own tests.
NOT_FUZZED = {"auth.sign_out"}
# Tables a refused request may still write to: the audit of the refusal, the session's touch,
# the count of address checks (a refused one included: the data-quality dashboard's figure).
LOG_TABLES = {"audit_entry", "auth_session", "address_verification_daily"}

# Each field meets these one at a time (plus its maxlength + 1), the others left as rendered.
SWEEP = ["x" * 10_000, "99999999999999999999", "²", "a\x00b"]
HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "²",
    "١٢٣",
    "99999999999999999999",
    "-99999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "12.345.678,9",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T23:59",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "😀" * 60,
    "\u202eevil",
    "e\u0301\u0301\u0301",
    '=HYPERLINK("http://x")',
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
]


def _values(field: Field) -> st.SearchStrategy[str | None]:
    """The rendered value half the time (so the other fields reach the deeper checks), else
    a boundary or hostile value; None leaves the field out."""
    boundary = []
    if field.maxlength:
        boundary = ["y" * field.maxlength, "y" * (field.maxlength + 1)]
    hostile = st.sampled_from(HOSTILE + boundary) | st.text(max_size=40) | st.none()
    if field.kind in ("checkbox", "radio"):
        return st.sampled_from([*field.choices, None]) | hostile
    keep = st.just(_baseline(field))
    if field.kind == "select" and field.choices:
        keep = st.sampled_from(field.choices)
    elif field.kind == "hidden":
        hostile = st.sampled_from(["", "x", "-1", "99999999999999999999", "\x00"])
    return st.one_of(keep, keep, hostile)


def _row_counts() -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables if t.name not in LOG_TABLES]
    union = sa.union_all(
        *(
            sa.select(sa.literal(t.name).label("t"), sa.func.count().label("n")).select_from(t)
            for t in tables
        )
    )
    return dict(db.session.execute(union).all())


def _endpoint(app, form: Form) -> str:
    try:
        endpoint, _ = app.url_map.bind("localhost").match(form.action.split("?")[0], method="POST")
    except HTTPException as error:
        return f"{type(error).__name__} {form.action}"
    return endpoint


def _forms(app, client) -> dict[str, Form]:
    """One form per endpoint it posts to, from every page the crawler reaches."""
    found: dict[str, Form] = {}

    def collect(url, response):
        for form in forms_in(url, response.get_data(as_text=True)):
            found.setdefault(_endpoint(app, form), form)

    crawl(client, route_urls(app), on_page=collect)
    return found


PLAUSIBLE = {
    "email": "fuzz.person@example.com",
    "tel": "+18765550100",
    "number": "3",
    "date": "2026-01-15",
    "datetime-local": "2026-01-15T10:30",
    "url": "https://hooks.example.com/efi",
}


def _baseline(field: Field) -> str | None:
    """What a person would type into an empty field of this kind, so that a blank create form
    gets past its required fields and a hostile value in another field reaches the database."""
    if field.kind in ("checkbox", "radio"):
        return None
    if field.value or field.kind == "hidden":
        return field.value
    if field.kind == "select":
        return next((c for c in field.choices if c), "")
    return PLAUSIBLE.get(field.kind, "Fuzz")


def _sweep(form: Form) -> list[list[tuple[str, str | None]]]:
    """One field at a time holds one of SWEEP while the others keep their rendered values:
    every field meets the classes that most often reach a 5xx, whatever hypothesis draws."""
    rendered = [
        (f.name, f.value if f.kind not in ("checkbox", "radio") else None) for f in form.fields
    ]
    cases = []
    for i, field in enumerate(form.fields):
        if field.kind in ("checkbox", "radio", "hidden"):
            continue
        for value in SWEEP + (["y" * (field.maxlength + 1)] if field.maxlength else []):
            cases.append([*rendered[:i], (field.name, value), *rendered[i + 1 :]])
    return cases


def _fuzz(client, endpoint: str, form: Form) -> list[str]:
    problems: list[str] = []
    baseline = [_baseline(f) for f in form.fields]

    def check(fields: list[tuple[str, str | None]], as_htmx: bool) -> None:
        changed = [(n, v) for (n, v), b in zip(fields, baseline, strict=True) if v != b]
        shown = f"{form.action} {', '.join(f'{n}={v!r:.40}' for n, v in changed)}"
        before = _row_counts()
        db.session.commit()  # end the read so the request's writes are not hidden from us
        response = client.post(
            form.action,
            data=MultiDict([(name, value) for name, value in fields if value is not None]),
            headers=HX if as_htmx else {},
        )
        status = response.status_code
        if not 100 <= status < 500:
            problems.append(f"{status} {endpoint} {shown}")
        elif 400 <= status < 500 and (after := _row_counts()) != before:
            tables = sorted(t for t in after if after[t] != before.get(t))
            problems.append(f"{status} but wrote {tables}: {endpoint} {shown}")

    for n, fields in enumerate(_sweep(form)):
        check(fields, as_htmx=bool(n % 2))

    @settings(FUZZ, max_examples=EXAMPLES)
    @given(data=st.data())
    def post(data):
        fields = [(f.name, data.draw(_values(f), label=f.name)) for f in form.fields]
        check(fields, data.draw(st.booleans(), label="htmx"))

    post()
    return problems


@pytest.mark.parametrize("role", ["Administrator", "Grill Group admin", "Grill Group buyer"])
def test_every_form_refuses_hostile_values_without_5xx_or_half_writes(app, client, role):
    world = build_world()
    sign_in_client(client, world.users[role])
    forms = _forms(app, client)
    assert forms, "the crawler found no form"
    # a form that posts to no route is a broken page: " " marks the routing error
    problems = [f"posts to no route: {e}" for e in sorted(forms) if " " in e]
    for endpoint, form in sorted(forms.items()):
        if endpoint not in NOT_FUZZED and " " not in endpoint:
            problems += _fuzz(client, endpoint, form)
    print(f"{role}: fuzzed {len(forms)} forms, {EXAMPLES} examples each)")
    assert not problems, "\n".join(dict.fromkeys(problems))


def test_hostile_values_cover_the_classes_the_issue_names():
    """Too long, too large, NUL, non-ASCII digits, unicode beyond the BMP, formula text."""
    assert any(len(v) > 5000 for v in HOSTILE)
    assert any("\x00" in v for v in HOSTILE)
    assert "²" in HOSTILE
    assert "99999999999999999999" in HOSTILE
    assert any(not set(v) <= set(string.printable) for v in HOSTILE)
