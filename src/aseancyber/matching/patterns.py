"""STIX 2.1 patterns as a small tree, parsed with the OASIS grammar (stix2-patterns), and
the exact evaluation of that tree against one observable.

An observable submitted for matching is one observation holding one cyber-observable
object, seen at match time. That fixes the meaning of every construct, as stix2-matcher
decides it for an observed-data object holding that one object:

- a comparison on another object type, or on a property the object lacks, is false, also
  when negated (there is nothing to bind it to);
- ``AND`` and ``FOLLOWEDBY`` between observation expressions, and ``REPEATS n TIMES`` with
  n > 1, need distinct observations, so one observable never satisfies them;
- ``WITHIN`` always holds for a single observation; ``START``/``STOP`` holds when the
  match time lies in the window.

Equality, ``IN`` and the subnet tests compare canonical forms (see
:mod:`aseancyber.matching.observables`).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from stix2patterns.exceptions import ParseException
from stix2patterns.v21.grammars.STIXPatternParser import STIXPatternParser as P
from stix2patterns.v21.pattern import Pattern

from aseancyber.matching.observables import hash_name, normalise_value, parse_network

Step = str | int  # a key, an index, or "*" for any index


@dataclass(frozen=True, slots=True)
class ObjectPath:
    sco_type: str
    steps: tuple[Step, ...]

    @property
    def text(self) -> str:
        """The path as the index keys it: ``file:hashes.SHA-256``."""
        return self.sco_type + ":" + ".".join(str(step) for step in self.steps)


@dataclass(frozen=True, slots=True)
class Test:
    path: ObjectPath
    op: str  # = != < > <= >= IN LIKE MATCHES ISSUBSET ISSUPERSET EXISTS
    value: Any
    negated: bool = False


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple["Comparison", ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple["Comparison", ...]


Comparison = Test | AllOf | AnyOf


@dataclass(frozen=True, slots=True)
class Observation:
    comparison: Comparison


@dataclass(frozen=True, slots=True)
class Combined:
    op: str  # OR, AND, FOLLOWEDBY
    parts: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Qualified:
    inner: "Node"
    repeats: int = 1
    within: float | None = None
    start: datetime | None = None
    stop: datetime | None = None


Node = Observation | Combined | Qualified


class PatternError(Exception):
    """The text is not a STIX 2.1 pattern."""


@lru_cache(maxsize=4096)
def parse(pattern: str) -> Node:
    """The tree of a STIX 2.1 pattern; :class:`PatternError` names the first problem."""
    try:
        tree = Pattern(pattern)._Pattern__parse_tree
        return _observations(tree.observationExpressions())
    except ParseException as error:
        raise PatternError(str(error)) from None
    except RecursionError:  # ingest refuses such patterns; one stored before must not crash
        raise PatternError("the pattern is too deeply nested or complex") from None


def _observations(ctx: Any) -> Node:
    if isinstance(ctx, P.ObservationExpressionsContext) and ctx.FOLLOWEDBY():
        return _combine("FOLLOWEDBY", ctx.observationExpressions())
    if isinstance(ctx, P.ObservationExpressionsContext):
        return _observations(ctx.observationExpressionOr())
    if isinstance(ctx, P.ObservationExpressionOrContext) and ctx.OR():
        return _combine("OR", ctx.observationExpressionOr())
    if isinstance(ctx, P.ObservationExpressionOrContext):
        return _observations(ctx.observationExpressionAnd())
    if isinstance(ctx, P.ObservationExpressionAndContext) and ctx.AND():
        return _combine("AND", ctx.observationExpressionAnd())
    if isinstance(ctx, P.ObservationExpressionAndContext):
        return _observations(ctx.observationExpression())
    if isinstance(ctx, P.ObservationExpressionSimpleContext):
        return Observation(_comparison(ctx.comparisonExpression()))
    if isinstance(ctx, P.ObservationExpressionCompoundContext):
        return _observations(ctx.observationExpressions())
    inner = _observations(ctx.observationExpression())
    if isinstance(ctx, P.ObservationExpressionRepeatedContext):
        return Qualified(inner, repeats=int(ctx.repeatedQualifier().IntPosLiteral().getText()))
    if isinstance(ctx, P.ObservationExpressionWithinContext):
        qualifier = ctx.withinQualifier()
        number = qualifier.IntPosLiteral() or qualifier.FloatPosLiteral()
        return Qualified(inner, within=float(number.getText()))
    if isinstance(ctx, P.ObservationExpressionStartStopContext):
        start, stop = ctx.startStopQualifier().TimestampLiteral()
        return Qualified(inner, start=_timestamp(start.getText()), stop=_timestamp(stop.getText()))
    raise PatternError(f"unexpected pattern element {type(ctx).__name__}")


def _combine(op: str, children: list[Any]) -> Combined:
    parts: list[Node] = []
    for child in children:
        node = _observations(child)
        # (a OR b) OR c is one OR of three: flatter trees, simpler index entries.
        parts.extend(node.parts if isinstance(node, Combined) and node.op == op else [node])
    return Combined(op, tuple(parts))


def _comparison(ctx: Any) -> Comparison:
    if isinstance(ctx, P.ComparisonExpressionContext) and ctx.OR():
        return _flatten(AnyOf, [_comparison(c) for c in ctx.comparisonExpression()])
    if isinstance(ctx, P.ComparisonExpressionContext):
        return _comparison(ctx.comparisonExpressionAnd())
    if isinstance(ctx, P.ComparisonExpressionAndContext) and ctx.AND():
        return _flatten(AllOf, [_comparison(c) for c in ctx.comparisonExpressionAnd()])
    if isinstance(ctx, P.ComparisonExpressionAndContext):
        return _comparison(ctx.propTest())
    if isinstance(ctx, P.PropTestParenContext):
        return _comparison(ctx.comparisonExpression())
    return _test(ctx)


def _flatten(kind: type[AnyOf] | type[AllOf], parts: list[Comparison]) -> Comparison:
    flat: list[Comparison] = []
    for part in parts:
        flat.extend(part.parts if isinstance(part, kind) else [part])
    return kind(tuple(flat))


def _test(ctx: Any) -> Test:
    negated = ctx.NOT() is not None
    path = _path(ctx.objectPath())
    if isinstance(ctx, P.PropTestEqualContext):
        op = "=" if ctx.EQ() else "!="
        return Test(path, op, _literal(ctx.primitiveLiteral()), negated)
    if isinstance(ctx, P.PropTestOrderContext):
        op = ">" if ctx.GT() else "<" if ctx.LT() else ">=" if ctx.GE() else "<="
        return Test(path, op, _literal(ctx.orderableLiteral()), negated)
    if isinstance(ctx, P.PropTestSetContext):
        values = tuple(_literal(c) for c in ctx.setLiteral().primitiveLiteral())
        return Test(path, "IN", values, negated)
    if isinstance(ctx, P.PropTestExistsContext):
        return Test(path, "EXISTS", None, negated)
    op = {
        P.PropTestLikeContext: "LIKE",
        P.PropTestRegexContext: "MATCHES",
        P.PropTestIsSubsetContext: "ISSUBSET",
        P.PropTestIsSupersetContext: "ISSUPERSET",
    }[type(ctx)]
    return Test(path, op, _string(ctx.StringLiteral().getText()), negated)


def _path(ctx: Any) -> ObjectPath:
    sco_type = ctx.objectType().getText()
    first = ctx.firstPathComponent()
    steps: list[Step] = [
        _string(first.StringLiteral().getText()) if first.StringLiteral() else first.getText()
    ]
    pending = [ctx.objectPathComponent()] if ctx.objectPathComponent() else []
    while pending:
        component = pending.pop(0)
        if isinstance(component, P.PathStepContext):
            pending[:0] = component.objectPathComponent()
        elif isinstance(component, P.KeyPathStepContext):
            literal = component.StringLiteral()
            steps.append(
                _string(literal.getText())
                if literal
                else component.IdentifierWithoutHyphen().getText()
            )
        else:  # IndexPathStep
            text = component.getText()[1:-1]
            steps.append("*" if text == "*" else int(text))
    if sco_type == "file" and len(steps) == 2 and steps[0] == "hashes":
        steps[1] = hash_name(str(steps[1]))
    return ObjectPath(sco_type, tuple(steps))


_ESCAPE = re.compile(r"\\(.)")


def _string(token: str) -> str:
    return _ESCAPE.sub(r"\1", token[1:-1])


def _timestamp(token: str) -> datetime:
    return datetime.fromisoformat(token[2:-1].replace("Z", "+00:00"))


def _literal(ctx: Any) -> Any:
    text: str = ctx.getText()
    if text in ("true", "false"):
        return text == "true"
    if text.startswith("'"):
        return _string(text)
    if text.startswith("t'"):
        return _timestamp(text)
    if text.startswith(("b'", "h'")):
        return ("binary", text)
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    return float(text)


# --- exact evaluation against one observable ----------------------------------------------------


def evaluate(node: Node, sco: dict[str, Any], at: datetime) -> bool:
    """Whether one observation of ``sco`` at ``at`` satisfies the pattern tree."""
    if isinstance(node, Observation):
        return holds(node.comparison, sco)
    if isinstance(node, Combined):
        if node.op == "OR":
            return any(evaluate(part, sco, at) for part in node.parts)
        return False  # AND / FOLLOWEDBY bind distinct observations: one cannot satisfy them
    if node.repeats > 1:
        return False
    if node.start is not None and node.stop is not None and not node.start <= at < node.stop:
        return False
    return evaluate(node.inner, sco, at)


def holds(comparison: Comparison, sco: dict[str, Any]) -> bool:
    """Whether a comparison expression holds for the one object ``sco``."""
    if isinstance(comparison, AllOf):
        return all(holds(part, sco) for part in comparison.parts)
    if isinstance(comparison, AnyOf):
        return any(holds(part, sco) for part in comparison.parts)
    test = comparison
    if sco.get("type") != test.path.sco_type:
        return False
    values = _resolve(sco, test.path.steps)
    if test.op == "EXISTS":
        return bool(values) != test.negated
    return any(_passes(test, value) != test.negated for value in values)


def _resolve(sco: dict[str, Any], steps: tuple[Step, ...]) -> list[Any]:
    current: list[Any] = [sco]
    for step in steps:
        following: list[Any] = []
        for value in current:
            if isinstance(step, str) and step != "*" and isinstance(value, dict):
                if step in value:
                    following.append(value[step])
            elif isinstance(value, list):
                if step == "*":
                    following.extend(value)
                elif isinstance(step, int) and -len(value) <= step < len(value):
                    following.append(value[step])
        current = following
    return [value for value in current if not isinstance(value, dict | list)]


def _same(path: ObjectPath, a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return normalise_value(path.text, a) == normalise_value(path.text, b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return isinstance(a, int | float) and isinstance(b, int | float) and a == b


def _passes(test: Test, value: Any) -> bool:
    op, literal = test.op, test.value
    if op == "=":
        return _same(test.path, value, literal)
    if op == "!=":
        return not _same(test.path, value, literal)
    if op == "IN":
        return any(_same(test.path, value, one) for one in literal)
    if op in ("<", ">", "<=", ">="):
        return _ordered(op, value, literal)
    if not isinstance(value, str):
        return False
    if op == "LIKE":
        return like_regex(literal).fullmatch(value) is not None
    if op == "MATCHES":
        return matches_regex(literal).search(value) is not None
    return subnet_test(op, value, literal)


def _ordered(op: str, value: Any, literal: Any) -> bool:
    comparable = (isinstance(value, str) and isinstance(literal, str)) or (
        isinstance(value, int | float)
        and isinstance(literal, int | float)
        and not isinstance(value, bool)
    )
    if not comparable:
        return False
    if op == "<":
        return bool(value < literal)
    if op == ">":
        return bool(value > literal)
    if op == "<=":
        return bool(value <= literal)
    return bool(value >= literal)


def subnet_test(op: str, value: str, literal: str) -> bool:
    """``value ISSUBSET literal`` / ``value ISSUPERSET literal`` for addresses and CIDRs."""
    ours, theirs = parse_network(value), parse_network(literal)
    if ours is None or theirs is None or ours[0] != theirs[0]:
        return False
    bits = 32 if ours[0] == 4 else 128
    inner, outer = (ours, theirs) if op == "ISSUBSET" else (theirs, ours)
    if inner[2] < outer[2]:
        return False
    return inner[1] >> (bits - outer[2]) == outer[1] >> (bits - outer[2])


@lru_cache(maxsize=4096)
def like_regex(like: str) -> re.Pattern[str]:
    """SQL LIKE as a regular expression: ``%`` any run, ``_`` one character."""
    parts = [".*" if c == "%" else "." if c == "_" else re.escape(c) for c in like]
    return re.compile("".join(parts), re.DOTALL)


@lru_cache(maxsize=4096)
def matches_regex(source: str) -> re.Pattern[str]:
    """A MATCHES expression; an invalid one matches nothing (it cannot be evaluated)."""
    try:
        return re.compile(source, re.DOTALL)
    except re.error:
        return re.compile(r"(?!)")
