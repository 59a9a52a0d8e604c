"""Plain-language sentences for pydantic's validation errors, shown next to a form's field.

People filling in a form should read "Choose one of: Vendor, Coordinator." rather than
``literal_error`` or a list of raw enum values. :func:`plain_message` turns one pydantic
error into one sentence; when the request model is known, the choices of an enum field are
named by their human labels (the enum's ``label``), otherwise by their values made readable.
"""

import re
import types
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

_DATE = "Enter a date as YYYY-MM-DD, for example 2026-03-31."
_DATE_TIME = "Enter a date and time, for example 2026-03-31 14:30."
_WHOLE_NUMBER = "Enter a whole number, for example 3."
_NUMBER = "Enter a number, for example 0.25."
_SIMPLE: dict[str, str] = {
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_type": _DATE,
    "datetime_parsing": _DATE_TIME,
    "datetime_from_date_parsing": _DATE_TIME,
    "datetime_type": _DATE_TIME,
    "datetime_object_invalid": _DATE_TIME,
    "timezone_aware": "Give the time with its time zone.",
    "time_parsing": "Enter a time, for example 14:30.",
    "int_parsing": _WHOLE_NUMBER,
    "int_type": _WHOLE_NUMBER,
    "int_from_float": _WHOLE_NUMBER,
    "float_parsing": _NUMBER,
    "float_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "finite_number": _NUMBER,
    "bool_parsing": "Choose yes or no.",
    "bool_type": "Choose yes or no.",
    "uuid_parsing": "This is not a valid identifier: choose from the list offered.",
    "url_parsing": "Enter a full web address, for example https://cert.example.org/.",
    "url_scheme": "Enter a web address starting with https:// or http://.",
    "extra_forbidden": "This field is not expected here: reload the form and try again.",
    "json_invalid": "This is not valid JSON.",
}
_SENTENCE_START = re.compile(r"^(is|are|must|has|have|cannot|can|should|needs?|contains?)\b")


_NAMES = {
    "email": "E-mail",
    "tlp": "Label",
    "cve": "CVE id",
    "cwe": "CWE id",
    "url": "Address",
    "pgp_fingerprint": "OpenPGP fingerprint",
}
_NOT_AN_EMAIL = "value is not a valid email address"


def readable(name: str) -> str:
    """A field or option name made readable: ``ends_at`` -> ``Ends at``."""
    if name in _NAMES:
        return _NAMES[name]
    text = name.replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:] if text else "This field"


def _option_label(value: Any) -> str:
    label = getattr(value, "label", None)
    if isinstance(label, str) and label:
        return label
    raw = value.value if isinstance(value, Enum) else value
    text = str(raw)
    return text if text.isupper() or ":" in text else readable(text)


def _choices_in(annotation: Any) -> list[Any] | None:
    """The allowed values of an enum or ``Literal`` annotation, looking through
    ``Optional``, ``list[...]`` and ``Annotated``."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return list(annotation)
    origin = get_origin(annotation)
    if origin is Literal:
        return list(get_args(annotation))
    if origin is Annotated:
        return _choices_in(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, set, frozenset, tuple, Sequence):
        for argument in get_args(annotation):
            found = _choices_in(argument)
            if found:
                return found
    return None


def _annotation_at(model: type[BaseModel] | None, location: Sequence[Any]) -> Any:
    """The annotation of the field at ``location`` (nested models followed), or None."""
    current: Any = model
    annotation: Any = None
    for part in location:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return annotation
        info = current.model_fields.get(str(part))
        if info is None:
            return None
        annotation = current = info.annotation
    return annotation


def _expected_from_context(context: Mapping[str, Any]) -> list[str]:
    """pydantic's ``expected`` text (``'a', 'b' or 'c'``) as readable labels."""
    raw = str(context.get("expected", ""))
    return [_option_label(value) for value in re.findall(r"'([^']*)'", raw)]


def _choose(labels: Sequence[str]) -> str:
    if not labels:
        return "Choose one of the options offered."
    if len(labels) > 12:
        return "Choose one of the options offered in the list."
    return f"Choose one of: {', '.join(labels)}."


def _characters(count: Any) -> str:
    return "1 character" if count == 1 else f"{count} characters"


def _bounds(kind: str, problem: Mapping[str, Any], field: str) -> str | None:
    """The sentence for a length or number out of its bounds, or None for another kind."""
    context: Mapping[str, Any] = problem.get("ctx") or {}
    if kind == "string_too_long":
        given = problem.get("input")
        entered = f" (you entered {len(given)})" if isinstance(given, str) else ""
        return f"Use at most {_characters(context.get('max_length'))}{entered}."
    if kind == "string_too_short":
        if context.get("min_length") == 1:
            return f"{field} cannot be empty."
        return f"Use at least {_characters(context.get('min_length'))}."
    if kind == "too_long":
        return f"Choose at most {context.get('max_length')}."
    if kind == "too_short":
        return f"Choose at least {context.get('min_length')}."
    if kind in ("greater_than_equal", "greater_than"):
        bound = context.get("ge", context.get("gt"))
        return f"Enter a number {'of at least' if kind.endswith('equal') else 'above'} {bound}."
    if kind in ("less_than_equal", "less_than"):
        bound = context.get("le", context.get("lt"))
        return f"Enter a number {'of at most' if kind.endswith('equal') else 'below'} {bound}."
    return None


def _validator_message(problem: Mapping[str, Any], field: str) -> str:
    """A custom validator's own message, made into a sentence about the field."""
    message = str(problem.get("msg", "")).removeprefix("Value error, ")
    message = message.removeprefix("Assertion failed, ")
    if not message:
        return f"{field} is not valid."
    if message.startswith(_NOT_AN_EMAIL):  # pydantic's EmailStr
        reason = message.removeprefix(_NOT_AN_EMAIL).strip(" :")
        return "Enter an e-mail address such as name@example.org" + (
            f" ({reason[:1].lower()}{reason[1:].rstrip('.')})." if reason else "."
        )
    if _SENTENCE_START.match(message):  # a validator's "is not ..." reads after the field's name
        return f"{field} {message}" + ("" if message.endswith(".") else ".")
    return message[:1].upper() + message[1:]


def plain_message(problem: Mapping[str, Any], model: type[BaseModel] | None = None) -> str:
    """One sentence for one pydantic error (an item of ``ValidationError.errors()``)."""
    kind = str(problem.get("type", ""))
    location = [part for part in problem.get("loc", ()) if part not in ("body", "form", "query")]
    field = readable(str(next((p for p in location if not isinstance(p, int)), "")))
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind in ("enum", "literal_error"):
        choices = _choices_in(_annotation_at(model, location))
        if choices:
            return _choose([_option_label(choice) for choice in choices])
        return _choose(_expected_from_context(problem.get("ctx") or {}))
    if kind == "missing":
        if _choices_in(_annotation_at(model, location)):
            return f"{field}: choose one of the options."
        return f"{field} is required."
    if kind == "string_pattern_mismatch":
        return f"{field} is not in the expected format."
    if kind == "string_type":
        return f"{field} must be text."
    return _bounds(kind, problem, field) or _validator_message(problem, field)
