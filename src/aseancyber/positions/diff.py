"""A readable difference between two versions of a position, as HTML.

Paragraphs are aligned first (``difflib.SequenceMatcher`` over whole paragraphs), then a
changed paragraph is compared word by word. Deleted words are ``<del>`` (struck through)
and inserted words ``<ins>`` (underlined), each announced in words to screen readers and
marked by a visible label on its paragraph, so nothing relies on colour alone.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from markupsafe import Markup, escape

_TOKENS = re.compile(r"\s+|[^\s]+")
_HIDDEN = '<span class="visually-hidden">{}</span>'
_DELETED = Markup(f"<del>{_HIDDEN.format('[deleted: ')}{{}}{_HIDDEN.format(']')}</del>")  # noqa: S704 - constant
_INSERTED = Markup(f"<ins>{_HIDDEN.format('[inserted: ')}{{}}{_HIDDEN.format(']')}</ins>")  # noqa: S704 - constant


@dataclass(frozen=True)
class Diff:
    html: Markup
    changes: int


def _words(before: str, after: str) -> Markup:
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    parts: list[Markup] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(old[i1:i2])))
            continue
        if i2 > i1:
            parts.append(_DELETED.format("".join(old[i1:i2])))
        if j2 > j1:
            parts.append(_INSERTED.format("".join(new[j1:j2])))
    return Markup("").join(parts)


def _item(css: str, label: str, body: Markup) -> Markup:
    return Markup('<li class="diff-{}"><span class="diff-label">{}</span> {}</li>').format(
        css, label, body
    )


def diff_paragraphs(before: list[str], after: list[str]) -> Diff:
    """The paragraph-by-paragraph difference from ``before`` to ``after``."""
    items: list[Markup] = []
    changes = 0
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            items += [_item("same", "Unchanged", escape(text)) for text in before[i1:i2]]
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(paired):
            items.append(
                _item("changed", "Changed", _words(before[i1 + offset], after[j1 + offset]))
            )
            changes += 1
        for text in before[i1 + paired : i2]:
            items.append(_item("removed", "Paragraph removed", _DELETED.format(text)))
            changes += 1
        for text in after[j1 + paired : j2]:
            items.append(_item("added", "Paragraph added", _INSERTED.format(text)))
            changes += 1
    html = Markup('<ol class="diff">{}</ol>').format(Markup("").join(items))
    return Diff(html=html, changes=changes)
