"""Reading a page's markup the way assistive technology needs it: element ids unique, every
form control with a label (a ``<label for>``, a wrapping ``<label>``, or an ARIA name)."""

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

CONTROLS = {"input", "select", "textarea"}
UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Control:
    tag: str
    attributes: dict[str, str]
    inside_label: bool

    def describe(self) -> str:
        shown = " ".join(f'{k}="{v}"' for k, v in self.attributes.items() if k in {"id", "name"})
        return f"<{self.tag} {shown}>"


@dataclass
class Markup:
    ids: list[str] = field(default_factory=list)
    label_targets: set[str] = field(default_factory=set)
    controls: list[Control] = field(default_factory=list)

    def duplicate_ids(self) -> list[str]:
        return sorted(name for name, count in Counter(self.ids).items() if count > 1)

    def unlabelled(self) -> list[str]:
        problems = []
        for control in self.controls:
            attributes = control.attributes
            if control.inside_label or attributes.get("aria-label", "").strip():
                continue
            if attributes.get("aria-labelledby") or attributes.get("id") in self.label_targets:
                continue
            problems.append(control.describe())
        return problems


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = Markup()
        self.open_labels = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.markup.ids.append(attributes["id"])
        if tag == "label":
            self.open_labels += 1
            if attributes.get("for"):
                self.markup.label_targets.add(attributes["for"])
        if tag in CONTROLS:
            if tag == "input" and attributes.get("type", "text") in UNLABELLED_INPUTS:
                return
            self.markup.controls.append(Control(tag, attributes, self.open_labels > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.open_labels:
            self.open_labels -= 1


def read_markup(html: str) -> Markup:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.markup
