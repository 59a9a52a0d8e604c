"""The few errors services raise; the app turns each into one status and a clear message."""

from dataclasses import dataclass, field

from starlette.responses import JSONResponse, Response

PROBLEM_JSON = "application/problem+json"


class ServiceError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ServiceError):
    """The record does not exist, or the reader may not see it: the two are never told apart."""

    status = 404
    title = "Not found"

    def __init__(self, what: str = "record") -> None:
        super().__init__(f"no such {what}")


class Forbidden(ServiceError):
    """The reader may see the record but lacks the permission for this action."""

    status = 403
    title = "Forbidden"


class Conflict(ServiceError):
    status = 409
    title = "Conflict"


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class Invalid(ServiceError):
    status = 422
    title = "Invalid input"

    def __init__(self, problems: list[FieldProblem] | str, field_name: str | None = None) -> None:
        if isinstance(problems, str):
            problems = [FieldProblem(field_name or "", problems)]
        self.problems = problems
        super().__init__(
            "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in problems)
        )


class TooLarge(ServiceError):
    """A request body or file over the limit the route names."""

    status = 413
    title = "Request too large"


class TooManyAttempts(ServiceError):
    status = 429
    title = "Too many attempts"


class NotAuthenticated(ServiceError):
    status = 401
    title = "Not signed in"


@dataclass
class Problem:
    """RFC 9457 problem details."""

    status: int
    title: str
    detail: str
    type: str = "about:blank"
    instance: str | None = None
    errors: list[dict[str, str]] = field(default_factory=list)

    def response(self, headers: dict[str, str] | None = None) -> Response:
        """The problem as an ``application/problem+json`` answer (for routes that answer
        machines directly, outside the app's error handlers)."""
        body: dict[str, object] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.instance is not None:
            body["instance"] = self.instance
        if self.errors:
            body["errors"] = self.errors
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM_JSON, headers=headers)
