"""CSAF 2.0 validation: the PyPI package ``csaf`` run in-process with the rules of ``csaf validate
--spec-version v20 --no-network --preset basic``; its findings (not a stack trace) answer a
document it refuses.
"""

from collections.abc import Callable
from functools import cache
from typing import Any

import orjson

from aseancyber.errors import FieldProblem, Invalid

# The rules that would fetch URLs (informative 6.3.6/6.3.7): never run, as ``--no-network``.
OFFLINE_SKIP = frozenset({"6.3.6", "6.3.7"})


@cache
def _validator() -> Callable[..., Any]:
    # Imported on first use: loading the rule catalogue takes seconds, once per process.
    from csaf.csaf.v20 import validate  # type: ignore[import-untyped]  # noqa: PLC0415

    return validate  # type: ignore[no-any-return]


def findings(document: bytes, *, preset: str = "basic") -> list[FieldProblem]:
    """The csaf validator's failures for ``document`` (empty when it is valid CSAF 2.0).

    The validator runs in this process through its Python API (``csaf.csaf.v20.validate``),
    the same rules as ``csaf validate --spec-version v20 --no-network --preset basic``:
    a child process paid about 3 s of interpreter start and rule loading per document, which
    made approving and publishing slow; warm, one document takes some tens of milliseconds.
    """
    try:
        parsed = orjson.loads(document)
    except orjson.JSONDecodeError as error:
        return [FieldProblem("document", f"is not JSON: {error}")]
    if not isinstance(parsed, dict):
        return [FieldProblem("document", "must be a JSON object")]
    try:
        report = _validator()(parsed, preset=preset, skip_rules=OFFLINE_SKIP)
    except Exception as error:
        # A validator crash on a strange upload is a finding to show, never a 500.
        return [FieldProblem("document", f"the CSAF validator failed: {str(error)[:300]}")]
    problems = []
    for result in report.results:
        if result.passed or result.skipped:
            continue
        for finding in (*result.errors, *result.warnings)[:50]:
            problems.append(
                FieldProblem(
                    "document",
                    f"{result.id}: {finding.instance_path or '/'}: {finding.message}",
                )
            )
    if not problems and not report.overall_valid:
        problems.append(FieldProblem("document", "the CSAF validator rejected the document"))
    return problems


def check_valid(document: dict[str, Any]) -> None:
    """Refuse a document the validator does not accept, with its findings."""
    problems = findings(orjson.dumps(document))
    if problems:
        raise Invalid(problems)
