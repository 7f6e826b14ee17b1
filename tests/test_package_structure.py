"""The shape of the helpers package, read from its source: no import loop between its modules, no private name taken
from another module, and no pipeline code that changes global state (warning filters, seeds) through helpers.notebook.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "helpers"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> list[tuple[str, list[str]]]:
    """(imported helpers module, names taken from it) for every import in the module, function-level ones too."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("helpers")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("helpers"):
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                found.append((child, []) if child in MODULES else (node.module, [alias.name]))
    return found


def _owner(module: str) -> str | None:
    """The module a dotted name refers to (``helpers.forecasting.run`` or its package)."""
    while module and module not in MODULES:
        module = module.rpartition(".")[0]
    return module or None


GRAPH = {name: {_owner(m) for m, _ in _imports(name)} - {None, name} for name in MODULES}


def test_no_import_loop_between_helpers_modules():
    # A package's __init__ that only re-exports is not part of a loop through its own modules.
    graph = {m: {d for d in deps if not (m.startswith(d + ".") and d in MODULES)} for m, deps in GRAPH.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                loop = path[path.index(child) :] + [child]
                pytest.fail("import loop: " + " -> ".join(loop))
            if child not in state:
                visit(child)
        path.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_name_crosses_a_module(module):
    taken = [(source, n) for source, names in _imports(module) for n in names if n.startswith("_") and n != "____"]
    assert not taken, f"{module} imports private names {taken}"
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               and node.module == "helpers" for a in node.names}
    reached = [f"{n.value.id}.{n.attr}" for n in ast.walk(tree) if isinstance(n, ast.Attribute)
               and isinstance(n.value, ast.Name) and n.value.id in aliases and n.attr.startswith("_")]
    assert not reached, f"{module} reaches into private names {reached}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("helpers.forecasting")))
def test_the_pipeline_never_changes_global_state_behind_the_callers_back(module):
    """Seeds are set where the caller passes them, warnings silenced only inside catch_warnings: nothing from
    helpers.notebook (whose quiet() ignores DeprecationWarning process-wide)."""
    assert "helpers.notebook" not in GRAPH[module]
    source = MODULES[module].read_text(encoding="utf-8")
    for call in ("quiet(", "seed_everything(", "warnings.filterwarnings(", "os.environ["):
        assert call not in source, f"{module} calls {call}"
