"""Page forms: validate posted fields with the same pydantic models the REST API uses, and
turn every problem into a message shown next to its field."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from aseancyber.errors import Conflict, FieldProblem, Invalid
from aseancyber.web import templating
from aseancyber.web.field_messages import plain_message

ModelT = TypeVar("ModelT", bound=BaseModel)
SavedT = TypeVar("SavedT")
FieldErrors = dict[str, str]


def validation_errors(error: ValidationError, model: type[BaseModel] | None = None) -> FieldErrors:
    """One plain-language message per field (the first), keyed by the field's form name;
    with ``model``, the choices of an enum field are named by their labels."""
    errors: FieldErrors = {}
    for problem in error.errors():
        location = [str(part) for part in problem.get("loc", ()) if not isinstance(part, int)]
        name = location[0] if location else "form"
        errors.setdefault(name, plain_message(problem, model))
    return errors


def invalid_errors(error: Invalid) -> FieldErrors:
    """The field messages of a service's :class:`~aseancyber.errors.Invalid`."""
    errors: FieldErrors = {}
    for problem in error.problems:
        errors.setdefault(problem.field or "form", problem.message)
    return errors


def text(form: FormData, name: str) -> str:
    """A single text field, stripped; absent and file fields read as empty."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every value of a multi-valued field (a multi-select), empty ones dropped."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def kept(form: FormData) -> dict[str, str | list[str]]:
    """What the reader typed, to show again in a refused form: text fields as text, fields
    sent more than once (a multi-select) as lists; files and the CSRF token are left out."""
    values: dict[str, str | list[str]] = {}
    for name in form:
        if name == "csrf_token":
            continue
        sent = [v for v in form.getlist(name) if isinstance(v, str)]
        if sent:
            values[name] = sent if len(sent) > 1 else sent[0]
    return values


def texts_of(form: FormData, *names: str) -> dict[str, Any]:
    """The :func:`text` of each named field, keyed by its name, ready for a request model."""
    return {name: text(form, name) for name in names}


def optional(form: FormData, name: str) -> str | None:
    """A text field that means "none" when left empty."""
    return text(form, name) or None


def checked(form: FormData, name: str) -> bool:
    return text(form, name) in {"true", "on", "1", "yes"}


def parse(model: type[ModelT], data: dict[str, Any]) -> ModelT | FieldErrors:
    """Validate ``data`` with ``model``: the model, or the messages per field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        return validation_errors(error, model)


def parse_or_raise(model: type[ModelT], data: dict[str, Any]) -> ModelT:
    """Validate ``data`` with ``model``, raising :class:`Invalid` with one plain-language
    problem per field, for handlers that re-render their page from the refusal."""
    result = parse(model, data)
    if isinstance(result, dict):
        raise Invalid([FieldProblem(name, message) for name, message in result.items()])
    return result


@dataclass(frozen=True)
class Refused:
    """Why a posted form was not saved: a message per field (422), or the conflict a stale
    version met (409); :attr:`context` is what the form's template shows of it."""

    errors: FieldErrors = field(default_factory=dict)
    conflict: str | None = None

    @property
    def status_code(self) -> int:
        return 409 if self.conflict is not None else 422

    @property
    def context(self) -> dict[str, Any]:
        return {"errors": self.errors, "conflict": self.conflict}


def submit(
    model: type[ModelT], values: dict[str, Any], save: Callable[[ModelT], SavedT]
) -> SavedT | Refused:
    """Validate the posted ``values`` with ``model`` and ``save`` them: what ``save``
    returned, or why the form must be shown again."""
    parsed = parse(model, values)
    if isinstance(parsed, dict):
        return Refused(errors=parsed)
    try:
        return save(parsed)
    except Invalid as error:
        return Refused(errors=invalid_errors(error))
    except Conflict as error:
        return Refused(conflict=error.detail)


def form_page(
    request: Request, template: str, context: dict[str, Any], refused: Refused | None = None
) -> HTMLResponse:
    """A form's page: fresh (200), or shown again with why it was not saved (``refused``:
    422 with a message by each field, or 409 with the conflict)."""
    shown = refused or Refused()
    status_code = 200 if refused is None else refused.status_code
    return templating.render(request, template, {**context, **shown.context}, status_code)
