"""The package layout: imports flow one way (shells -> core -> managers -> libraries), with no
circle, and each subpackage imports only what its docstring says it may."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import launcher

PACKAGE_DIR = Path(launcher.__file__).parent

# Lowest first; a module may import its own layer's packages and those of the layers before it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("launcher", "launcher.util", "launcher.winplatform", "launcher.i18n", "launcher.events",
     "launcher.rvc"),
    ("launcher.tensorboard", "launcher.advisor"),
    ("launcher.core",),
    ("launcher.ui", "launcher.cli", "launcher.commands", "launcher.__main__"),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE_DIR.rglob("*.py")}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every launcher module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known}


def owner(module: str) -> str:
    """The layout unit a module belongs to: its subpackage, or itself at the top."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE_DIR / parts[1]).is_dir():
        return ".".join(parts[:2])
    return module


def layer_of(unit: str) -> int:
    for index, units in enumerate(LAYERS):
        if unit in units:
            return index
    raise AssertionError(f"{unit} is in no layer of tests/test_layout.py: add it")


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: imported_modules(path, known) - {name} for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in visiting:
            return [*visiting[visiting.index(node):], node]
        if node in done:
            return None
        visiting.append(node)
        for target in sorted(graph.get(node, ())):
            cycle = visit(target)
            if cycle:
                return cycle
        visiting.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None


def test_every_module_belongs_to_a_layer() -> None:
    for module in all_modules():
        layer_of(owner(module))


def test_imports_flow_down_the_layers() -> None:
    upward = [
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        for target in targets
        if layer_of(owner(target)) > layer_of(owner(module))
    ]
    assert not upward, "imports against the layers:\n" + "\n".join(sorted(upward))


def test_no_module_import_circle() -> None:
    graph = {module: {t for t in targets if t != owner(module) or t == module}
             for module, targets in import_graph().items()}
    assert find_cycle(graph) is None, f"import circle: {' -> '.join(find_cycle(graph) or [])}"


def test_no_package_import_circle() -> None:
    units: dict[str, set[str]] = {}
    for module, targets in import_graph().items():
        unit = owner(module)
        units.setdefault(unit, set()).update(owner(t) for t in targets if owner(t) != unit)
    units = {unit: targets - {"launcher"} for unit, targets in units.items()}
    cycle = find_cycle(units)
    assert cycle is None, f"package circle: {' -> '.join(cycle or [])}"


def test_each_subpackage_imports_only_what_its_docstring_allows() -> None:
    for init in sorted(PACKAGE_DIR.glob("*/__init__.py")):
        package = module_name(init)
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "May import:" in doc, f"{package}'s docstring does not say what it may import"
        allowed = set(re.findall(r"launcher\.[a-z0-9_]+", doc.split("May import:", 1)[1]))
        used = {
            owner(target)
            for module, targets in import_graph().items() if owner(module) == package
            for target in targets if owner(target) not in (package, "launcher")
        }
        assert used <= allowed, f"{package} imports {sorted(used - allowed)} beyond its docstring"


def test_the_checker_sees_a_circle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
