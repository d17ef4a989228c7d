"""The package's shape: no import circles inside kling_ui, and nothing from outside it.

The graph is read from the source (AST), not from an import run: an import inside a function
counts as much as one at the top (it runs later, but it runs), while one under
`if TYPE_CHECKING:` never runs and does not count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from .conftest import ROOT

PACKAGE = "kling_ui"
# Top-level names of the project's own scripts and folders: the installed package has none.
PROJECT_ROOT_NAMES = {"app", "tests", "bench"}


def modules(root: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Every module of `package` under `root`: dotted name -> (file, is a package)."""
    found = {}
    for path in sorted((root / package).rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement under `node`, at any depth, except under `if TYPE_CHECKING:`."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _type_checking(child):
            for rest in child.orelse:
                yield from _import_nodes(ast.Module(body=[rest], type_ignores=[]))
        else:
            yield from _import_nodes(child)


def imported_names(path: Path, module: str, is_package: bool) -> set[str]:
    """Dotted names a module imports; `from a import b` gives both `a` and `a.b`."""
    names: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            here = module.split(".") if is_package else module.split(".")[:-1]
            here = here[: len(here) - (node.level - 1)]
            base = ".".join([*here, base] if base else here)
        names.add(base)
        names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Module -> the package's modules it makes Python run.

    Importing `a.b.c` runs `a.b`'s __init__ too, so an edge goes to every package on the way,
    except the importer's own ancestors (they are already running when it runs)."""
    found = modules(root, package)
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in found.items():
        own = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        edges = set()
        for name in imported_names(path, module, is_package):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                target = ".".join(parts[:i])
                if target in found and target not in own and target != module:
                    edges.add(target)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle (first module repeated at the end) per tangle of modules that import each
    other, found by depth-first search."""
    found: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        for target in sorted(graph[node]):
            if target in path:
                cycle = [*path[path.index(target) :], target]
                if not any(set(cycle) <= set(other) for other in found):
                    found.append(cycle)
            elif target not in done:
                visit(target, [*path, target])
        done.add(node)

    for start in sorted(graph):
        if start not in done:
            visit(start, [start])
    return found


def test_no_module_of_the_package_imports_itself_round_in_a_circle():
    found = cycles(import_graph(ROOT, PACKAGE))
    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(c) for c in found)


def test_the_graph_sees_imports_inside_functions_but_not_type_checking_ones(tmp_path: Path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from ..a import thing\n")
    (pkg / "a.py").write_text("def late():\n    from .b import thing\n")
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nthing = 1\n")
    (pkg / "c.py").write_text("from .sub.d import x\n")
    (pkg / "sub" / "d.py").write_text("if TYPE_CHECKING:\n    from ..c import y\n")
    assert cycles(import_graph(tmp_path, "pkg")) == []

    # b imports a inside a function: a -> b -> a.
    (pkg / "b.py").write_text("def late():\n    from . import a\n")
    # Importing pkg.sub.d runs pkg/sub/__init__, which imports a: the same kind of circle
    # as config importing the provider registry through a providers/__init__ importing config.
    (pkg / "a.py").write_text("from .c import x\ndef late():\n    from .b import thing\n")
    assert cycles(import_graph(tmp_path, "pkg")) == [
        ["pkg.a", "pkg.b", "pkg.a"],
        ["pkg.a", "pkg.c", "pkg.sub", "pkg.a"],
    ]


def test_the_package_imports_nothing_from_the_project_root():
    """Installed from a wheel, kling_ui has no app.py, tests/ or bench/ beside it."""
    outside = {
        module: sorted(
            name
            for name in imported_names(path, module, is_package)
            if name.split(".")[0] in PROJECT_ROOT_NAMES
        )
        for module, (path, is_package) in modules(ROOT, PACKAGE).items()
    }
    assert {module: names for module, names in outside.items() if names} == {}


LONGEST_FUNCTION = 60
# What the page may not reach into: it translates page values to service calls and back.
NOT_FOR_THE_PAGE = (
    "kling_ui.store",
    "kling_ui.run",
    "kling_ui.jobs",
    "kling_ui.admission",
    "kling_ui.media",
    "kling_ui.providers.base",
    "kling_ui.providers.factory",
    "kling_ui.providers.runcomfy",
    "kling_ui.providers.runninghub",
    "kling_ui.providers.preview",
)


def test_no_function_in_the_package_is_longer_than_a_reader_can_hold():
    long = []
    for module, (path, _) in modules(ROOT, PACKAGE).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > LONGEST_FUNCTION:
                    long.append(f"{module}.{node.name}: {lines} lines")
    assert long == []


def test_the_page_reaches_the_store_files_and_providers_only_through_the_service():
    reached = {
        module: sorted(
            name
            for name in imported_names(path, module, is_package)
            if name.startswith(NOT_FOR_THE_PAGE)
        )
        for module, (path, is_package) in modules(ROOT, PACKAGE).items()
        if module.startswith(f"{PACKAGE}.ui.")
    }
    assert {module: names for module, names in reached.items() if names} == {}
