"""The package graph runs one way: foundation <- domains <- app, with no cycle.

The graph is read from the source with ``ast``: every import counts, at module level, inside
a function or under ``TYPE_CHECKING``, because each one is a dependency a reader must hold in
mind. A node is a top-level package or module of ``aseancyber`` (``access``, ``db``,
``app``...). A new package must be placed in one of the three layers below, or this fails.
"""

import ast
from collections.abc import Iterator, Mapping, Set
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "aseancyber"

FOUNDATION = frozenset(
    {
        "__init__",
        "settings",
        "db",
        "errors",
        "storage",
        "access",
        "audit",
        "notify",
        "jobs",
        "web",
        "plugins",
        "reporting",
        "exports",
        "shaping",
    }
)
DOMAINS = frozenset(
    {
        "community",
        "contacts",
        "cases",
        "sharing",
        "matching",
        "initiatives",
        "norms",
        "positions",
        "requests",
        "routing",
        "federation",
        "interop",
        "ops",
    }
)
APP = frozenset({"app", "cli", "schema", "demo", "reference", "manifests", "site"})

Graph = Mapping[str, Set[str]]


def _node_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _module_of(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        return ["aseancyber", *parts, "__init__"]
    return ["aseancyber", *parts]


def _targets(node: ast.AST, module: list[str], nodes: Set[str]) -> Iterator[str]:
    """The top-level nodes of ``aseancyber`` one import statement reaches."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            parts = alias.name.split(".")
            if parts[0] == "aseancyber":
                yield parts[1] if len(parts) > 1 else "__init__"
    elif isinstance(node, ast.ImportFrom):
        if node.level:  # relative: resolve against the importing module's package
            base = module[: len(module) - node.level]
            parts = [*base, *(node.module.split(".") if node.module else [])]
        else:
            parts = node.module.split(".") if node.module else []
        if not parts or parts[0] != "aseancyber":
            return
        if len(parts) > 1:
            yield parts[1]
            return
        for alias in node.names:  # ``from aseancyber import audit``
            yield alias.name if alias.name in nodes else "__init__"


def package_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Node -> the other nodes it imports, over every ``.py`` file under ``root``."""
    files = sorted(root.rglob("*.py"))
    nodes = {_node_of(path, root) for path in files}
    graph: dict[str, set[str]] = {name: set() for name in nodes}
    for path in files:
        source = _node_of(path, root)
        module = _module_of(path, root)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, module, nodes):
                if target != source:
                    graph[source].add(target)
    return graph


def find_cycle(graph: Graph) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or ``None`` when there is none."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        stack = [iter(sorted(graph.get(start, ())))]
        while stack:
            following = next(stack[-1], None)
            if following is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
                continue
            if following in on_path:
                return [*path[path.index(following) :], following]
            if following not in done:
                path.append(following)
                on_path.add(following)
                stack.append(iter(sorted(graph.get(following, ()))))
    return None


def layer_violations(graph: Graph) -> list[str]:
    """Every import that runs against the layers (foundation <- domains <- app), and every
    node that belongs to no layer."""
    problems = [
        f"{node} is in no layer: add it to FOUNDATION, DOMAINS or APP in {Path(__file__).name}"
        for node in sorted(graph)
        if node not in FOUNDATION | DOMAINS | APP
    ]
    for source in sorted(graph):
        for target in sorted(graph[source]):
            if source in FOUNDATION and target in DOMAINS | APP:
                problems.append(f"foundation {source} imports {target}")
            if source in DOMAINS and target in APP:
                problems.append(f"domain {source} imports the app layer's {target}")
    return problems


def check(graph: Graph) -> None:
    """Fail with the cycle, or with the imports against the layers, when there are any."""
    cycle = find_cycle(graph)
    if cycle is not None:
        pytest.fail("import cycle between packages: " + " -> ".join(cycle))
    problems = layer_violations(graph)
    if problems:
        pytest.fail("imports against the layers:\n" + "\n".join(problems))


def test_the_package_graph_has_no_cycle_and_runs_one_way() -> None:
    graph = package_graph()
    assert {"access", "cases", "app"} <= set(graph)  # the graph was really read
    assert "access" in graph["cases"]  # and holds the edges a domain has
    check(graph)


def test_every_domain_declares_a_manifest_and_the_app_layer_lists_it() -> None:
    listed = (PACKAGE / "manifests.py").read_text(encoding="utf-8")
    for domain in sorted(DOMAINS):
        assert (PACKAGE / domain / "manifest.py").is_file(), f"{domain} has no manifest.py"
        assert f"aseancyber.{domain}.manifest import" in listed, f"{domain} is not listed"


def test_a_cycle_is_found_and_reported() -> None:
    graph = {"db": {"settings"}, "settings": set(), "a": {"b"}, "b": {"c"}, "c": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    with pytest.raises(pytest.fail.Exception, match="a -> b -> c -> a"):
        check(graph)


def test_imports_against_the_layers_fail() -> None:
    graph = {"access": {"cases"}, "cases": {"site"}, "site": {"access"}, "novel": set()}
    problems = layer_violations({**graph, "site": set()})
    assert problems == [
        "novel is in no layer: add it to FOUNDATION, DOMAINS or APP in test_layers.py",
        "foundation access imports cases",
        "domain cases imports the app layer's site",
    ]
    with pytest.raises(pytest.fail.Exception, match="access -> cases -> site -> access"):
        check(graph)


def test_imports_in_functions_and_type_checking_blocks_count(tmp_path: Path) -> None:
    root = tmp_path / "aseancyber"
    (root / "access").mkdir(parents=True)
    (root / "access" / "__init__.py").write_text("")
    (root / "access" / "late.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from aseancyber.cases.models import Case\n"
        "def f() -> None:\n    from aseancyber import demo\n    from ..notify import links\n"
    )
    for name in ("cases", "notify"):
        (root / name).mkdir()
        (root / name / "__init__.py").write_text("")
    (root / "demo.py").write_text("")
    assert package_graph(root)["access"] == {"cases", "demo", "notify"}
