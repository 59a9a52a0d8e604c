"""A pattern past the grammar's recursion (stored before ingest refused them) is an
unsupported pattern with a reason, never a crash of the indexer."""

from aseancyber.matching.compiler import PatternKind, compile_pattern


def test_a_pattern_of_thousands_of_ors_is_unsupported_not_a_crash() -> None:
    pattern = (
        "["
        + " OR ".join(f"ipv4-addr:value = '10.0.{i // 250}.{i % 250}'" for i in range(3000))
        + "]"
    )
    compiled = compile_pattern(pattern)
    assert compiled.kind is PatternKind.UNSUPPORTED
    assert compiled.problem == "the pattern is too deeply nested or complex"
