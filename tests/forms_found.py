"""The forms a page renders, read from its HTML as a browser would: where it posts, and each
field's name, kind, limits and choices. The fuzz test fills them from these definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Field:
    name: str
    kind: str  # the input type, "select" or "textarea"
    value: str = ""
    required: bool = False
    maxlength: int | None = None
    minimum: str | None = None
    maximum: str | None = None
    choices: list[str] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)
    htmx: bool = False

    @property
    def signature(self) -> tuple:
        return (self.method, tuple(sorted({f.name for f in self.fields})))


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        self._by_id: dict[str, Form] = {}
        self.alternates: list[tuple[Form, str]] = []  # buttons posting the form elsewhere
        self._plain: set[int] = set()  # forms with a button that posts to the form's action

    def own_actions(self) -> list[Form]:
        """Forms whose every button posts elsewhere never post to their own action."""
        elsewhere = {id(form) for form, _ in self.alternates}
        return [f for f in self.forms if id(f) in self._plain or id(f) not in elsewhere]

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            post = a.get("hx-post") or (
                a.get("action") if a.get("method", "").lower() == "post" else None
            )
            if post is not None:
                self._form = Form(post or self.page_url, "post", htmx="hx-post" in a)
                self.forms.append(self._form)
                self._by_id[a.get("id", "")] = self._form
            return
        submits = tag == "button" and a.get("type", "submit") == "submit"
        submits |= tag == "input" and a.get("type") == "submit"
        owner = self._by_id.get(a.get("form", "")) or self._form
        if submits and owner is not None:
            if a.get("formaction") or a.get("hx-post"):
                self.alternates.append((owner, a.get("formaction") or a["hx-post"]))
            else:
                self._plain.add(id(owner))
        if self._form is None:
            return
        if (
            tag == "input"
            and a.get("name")
            and a.get("type", "text") not in ("submit", "button", "image", "reset", "file")
        ):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                # offered, not sent: the fuzzer may tick it
                self._form.fields.append(Field(a["name"], kind, choices=[a.get("value", "on")]))
                return
            self._form.fields.append(
                Field(
                    a["name"],
                    kind,
                    value=a.get("value", ""),
                    required="required" in a,
                    maxlength=int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None,
                    minimum=a.get("min"),
                    maximum=a.get("max"),
                    choices=[a.get("value", "on")] if kind in ("checkbox", "radio") else [],
                )
            )
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", required="required" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.choices.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(
                a["name"],
                "textarea",
                required="required" in a,
                maxlength=int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None,
            )
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            if self._select is not None and not self._select.value and self._select.choices:
                self._select.value = self._select.choices[0]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(page_url: str, html: str) -> list[Form]:
    parser = _FormParser(page_url)
    parser.feed(html)
    return parser.own_actions() + [
        Form(action, "post", form.fields, form.htmx) for form, action in parser.alternates
    ]
