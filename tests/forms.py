"""Submit the form a page rendered, as a browser would: its action and every value it holds."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "method" in a and a["method"].lower() == "post":
            self._fields = self.forms.setdefault(a.get("action", ""), [])
        elif self._fields is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self._fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea, self._text = a["name"], ""

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if self._fields is None:
            return
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected] or [
                v for v, _ in self._options[:1]
            ]
            self._fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea:
            self._fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def rendered_form(html: str, action: str, page: str = "") -> dict[str, str | list[str]]:
    """The values the page's POST form to `action` would send untouched. A form without an
    action posts to its `page`."""
    parser = _Forms()
    parser.feed(html)
    if action == page.split("?")[0] and action not in parser.forms:
        action = ""
    assert action in parser.forms, f"no form posts to {action}; forms: {list(parser.forms)}"
    values: dict[str, str | list[str]] = {}
    for name, value in parser.forms[action]:
        values[name] = [*values[name], value] if name in values else value
    return values
