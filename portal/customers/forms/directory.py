"""Directory forms: the list filters (in the query string) and the CSV upload."""

from __future__ import annotations

import pycountry
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, IntegerField, SearchField, SelectChoice, SelectField
from wtforms.validators import AnyOf, NumberRange, Optional
from wtforms.widgets import Select

from portal.customers.queries.directory import PAGE_SIZES, DirectoryFilter, Sort
from portal.customers.values import CustomerStatus, CustomerType
from portal.forms import Form, MaxLength
from portal.idempotency import OnceForm
from portal.labels import choices

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
SORT_VALUES = [s.value for s in Sort] + [f"-{s.value}" for s in Sort]
COUNTRIES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


def _choices(blank: str, pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice("", blank), *(SelectChoice(value, label) for value, label in pairs)]


class StaticSelect(Select):
    """A select whose choices never change, rendered once per selected value and attributes:
    escaping 250 country options one by one took 20 ms of every directory page."""

    def __init__(self, most: int = 512):
        super().__init__()
        self.most = most
        self.rendered: dict[tuple, Markup] = {}

    def __call__(self, field, **kwargs) -> Markup:
        key = (field.id, field.name, field.data, *sorted(kwargs.items()), *field.flags.__dict__)
        if (html := self.rendered.get(key)) is None:
            if len(self.rendered) >= self.most:
                self.rendered.clear()
            html = self.rendered[key] = super().__call__(field, **kwargs)
        return html


class DirectoryForm(Form):
    """Filters travel in the query string so a view can be bookmarked and shared."""

    class Meta:
        csrf = False  # a GET search form changes nothing

    q = SearchField(
        "Search",
        validators=[Optional(), MaxLength(100)],
        description="Name words from their start, an e-mail or @domain, phone digits, an id",
    )
    type = SelectField(
        "Type",
        choices=choices(CustomerType, blank="Any type"),
        default="",
        widget=StaticSelect(),
    )
    status = SelectField(
        "Status",
        choices=choices(CustomerStatus, blank="Any status"),
        default="",
        widget=StaticSelect(),
    )
    country = SelectField(
        "Country", choices=_choices("Any country", COUNTRIES), default="", widget=StaticSelect()
    )
    per_page = SelectField(
        "Per page",
        choices=[SelectChoice(n, str(n)) for n in PAGE_SIZES],
        coerce=int,
        default=PAGE_SIZES[0],
        widget=StaticSelect(),
    )
    sort = HiddenField(
        "Sort",
        default=Sort.NAME.value,
        validators=[
            Optional(),
            MaxLength(40),
            AnyOf(SORT_VALUES, message="Sort by one of the column headers."),
        ],
    )
    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])

    def filters(self) -> DirectoryFilter:
        sort = self.sort.data or Sort.NAME.value
        return DirectoryFilter(
            q=(self.q.data or "").strip(),
            customer_type=CustomerType(self.type.data) if self.type.data else None,
            status=CustomerStatus(self.status.data) if self.status.data else None,
            country=self.country.data or None,
            sort=Sort(sort.removeprefix("-")),
            descending=sort.startswith("-"),
        )

    def state(self) -> dict[str, str]:
        """The non-default filters as query arguments (no page): links keep them."""
        values = {
            "q": (self.q.data or "").strip(),
            "type": self.type.data,
            "status": self.status.data,
            "country": self.country.data,
            "sort": self.sort.data if self.sort.data != Sort.NAME.value else "",
            "per_page": str(self.per_page.data) if self.per_page.data != PAGE_SIZES[0] else "",
        }
        return {name: value for name, value in values.items() if value}


class ReviewQueueForm(Form):
    class Meta:
        csrf = False

    page = IntegerField("Page", default=1, validators=[Optional(), NumberRange(min=1, max=100_000)])


class ImportForm(OnceForm):
    file = FileField(
        "CSV file",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv"], "Upload a .csv file."),
            FileSize(MAX_UPLOAD_BYTES, message="The file is larger than 5 MB; split it."),
        ],
    )
    dry_run = BooleanField("Dry run: report what would happen, change nothing", default=True)
