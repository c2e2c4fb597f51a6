"""The code's shape: the layers' arrows, no import cycle, no oversized class or function.

Read from the source (the AST of every .py file under `envspec/` and `backends/*/`), not by importing it:

* no import cycle among the modules of `envspec`, `envspec_terraform` and `envspec_ansible`. Module-level
  and function-level imports both count (a lazy import is still a dependency); imports under
  `if TYPE_CHECKING:` do not (they never run);
* the arrows between the layers run one way (LAYERS): the command line -> the operations -> the core;
  the backends -> the IR, the kinds' registry (its package, not a kind's module), the errors and the
  backend contract only. Here imports under `if TYPE_CHECKING:` count too: a type named is a dependency
  of the design, even when it is not one at run time;
* no class over MAX_CLASS_LINES lines and no function or method over MAX_FUNCTION_LINES, from its `def`
  or `class` line to its last line (decorators aside). No exceptions: the last ones (the lowering's and
  the resolver's classes, the Terraform root renderer) were split in issue 13.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"envspec": ROOT / "envspec"} | {p.name: p for p in sorted((ROOT / "backends").glob("*/")) if (p / "__init__.py").is_file()}

MAX_CLASS_LINES = 250
MAX_FUNCTION_LINES = 60

# ---- reading the source ---------------------------------------------------------------------------------


@functools.cache
def _sources() -> tuple[tuple[str, Path, ast.Module], ...]:
    """(module name, path, syntax tree) of every Python file of the packages."""
    found = []
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append((".".join((package, *parts)), path, ast.parse(path.read_text(encoding="utf-8"), str(path))))
    return tuple(found)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, typing_too: bool = False) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run, at any depth; the body of `if TYPE_CHECKING:` left out
    unless `typing_too`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test) and not typing_too:
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        yield from _imports(node, typing_too)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of the packages that an import statement loads, relative imports resolved. In
    `from package import name`, a name that is a submodule is a dependency on it alone; any other
    name, on the package (its `__init__`)."""
    if isinstance(node, ast.Import):
        wanted = [alias.name for alias in node.names]
    else:
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            prefix = ".".join(base + ([node.module] if node.module else []))
        else:
            prefix = node.module or ""
        submodules = [f"{prefix}.{alias.name}" for alias in node.names]
        wanted = [name for name in submodules if name in known]
        if len(wanted) < len(submodules):
            wanted.append(prefix)
    found = set()
    for name in wanted:
        while name and name not in known:  # `import envspec.x.y` where y is not a module of the packages
            name = name.rpartition(".")[0]
        if name:
            found.add(name)
    return found


def import_graph(typing_too: bool = False) -> dict[str, set[str]]:
    """Module -> the modules of the packages it imports (with `typing_too`, for type checking too)."""
    known = {module for module, _, _ in _sources()}
    graph: dict[str, set[str]] = {}
    for module, path, tree in _sources():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in _imports(tree, typing_too):
            edges |= _targets(node, module, is_package, known)
        graph[module] = edges - {module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


# The layers, each with the modules it may import besides its own: a prefix names a package and
# everything in it; a name ending in `$` that module alone.
LAYERS: dict[str, tuple[str, ...]] = {
    "envspec.core": (),
    "envspec.operations": ("envspec.core",),
    "envspec.cli": ("envspec.operations", "envspec.core", "envspec$"),  # envspec: its __version__
    "envspec": ("envspec.cli$",),  # the package itself and `python -m envspec`
    "envspec_terraform": ("envspec.core.ir$", "envspec.core.kinds$", "envspec.core.errors$", "envspec.core.backend$"),
    "envspec_ansible": ("envspec.core.ir$", "envspec.core.kinds$", "envspec.core.errors$", "envspec.core.backend$"),
}


def _within(module: str, name: str) -> bool:
    if name.endswith("$"):
        return module == name[:-1]
    return module == name or module.startswith(name + ".")


def layer_of(module: str) -> str:
    """The most specific layer holding `module`."""
    return max((layer for layer in LAYERS if _within(module, layer)), key=len)


def wrong_arrows(graph: dict[str, set[str]]) -> list[str]:
    """`a -> b` for every import that leaves a's layer for one it may not reach."""
    found = []
    for module, targets in sorted(graph.items()):
        layer = layer_of(module)
        for target in sorted(targets):
            if layer_of(target) != layer and not any(_within(target, allowed) for allowed in LAYERS[layer]):
                found.append(f"{module} -> {target}")
    return found


def _cycle_path(component: list[str], graph: dict[str, set[str]]) -> str:
    """The shortest cycle through a component's first module, as `a -> b -> a` (breadth-first)."""
    start = component[0]
    members = set(component)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for module in frontier:
            if start in graph[module]:
                path = [module]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return " -> ".join([*reversed(path), start])
            for target in sorted(graph[module] & members):
                if target not in came_from and target != start:
                    came_from[target] = module
                    following.append(target)
        frontier = following
    return " <-> ".join(component)  # not reached: every module of a component is on a cycle


def _describe(component: list[str], graph: dict[str, set[str]]) -> str:
    members = set(component)
    edges = [f"{a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return f"  {_cycle_path(component, graph)}\n    (every import inside it: {'; '.join(edges)})"


def sizes_in(tree: ast.Module, where: str) -> dict[str, tuple[int, int]]:
    """`where::Qualified.name` -> (lines, limit) of every class and function of one file, nested ones too."""
    found: dict[str, tuple[int, int]] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                limit = MAX_CLASS_LINES if isinstance(child, ast.ClassDef) else MAX_FUNCTION_LINES
                found[f"{where}::{name}"] = ((child.end_lineno or child.lineno) - child.lineno + 1, limit)
                walk(child, f"{name}.")
            else:
                walk(child, prefix)

    walk(tree, "")
    return found


def sizes() -> dict[str, tuple[int, int]]:
    """`path::Qualified.name` -> (lines, limit) of every class and function of the packages."""
    found: dict[str, tuple[int, int]] = {}
    for _, path, tree in _sources():
        found.update(sizes_in(tree, path.relative_to(ROOT).as_posix()))
    return found


def oversize(found: dict[str, tuple[int, int]]) -> dict[str, int]:
    """The items over their limit, with their lengths."""
    return {name: lines for name, (lines, limit) in found.items() if lines > limit}


# ---- the tests -------------------------------------------------------------------------------------------


def test_the_packages_are_found() -> None:
    assert set(PACKAGES) == {"envspec", "envspec_terraform", "envspec_ansible"}
    graph = import_graph()
    assert "envspec.core.lower" in graph["envspec.core.compiler"]  # the reading of imports works at all


def test_the_arrows_run_one_way() -> None:
    wrong = wrong_arrows(import_graph(typing_too=True))
    assert not wrong, ("imports against the layers (command line -> operations -> core; backends -> the IR, "
                       "the kinds' registry, the errors and the backend contract):\n  " + "\n  ".join(wrong))


def test_the_layer_check_catches_a_wrong_arrow() -> None:
    graph = {
        "envspec.core.resolve": {"envspec.core.ir", "envspec.operations.deploy"},   # core -> operations
        "envspec.operations.deploy": {"envspec.core.ir", "envspec_terraform.names"},  # operations -> a backend
        "envspec.cli.commands": {"envspec.operations.deploy", "envspec.core.project"},
        "envspec_ansible.steps": {"envspec.core.backend", "envspec.core.kinds.ec2"},  # a kind's own module
        "envspec_terraform": {"envspec.core.kinds", "envspec_terraform.names"},
        "envspec.__main__": {"envspec.cli"},
    }
    assert wrong_arrows(graph) == [
        "envspec.core.resolve -> envspec.operations.deploy",
        "envspec.operations.deploy -> envspec_terraform.names",
        "envspec_ansible.steps -> envspec.core.kinds.ec2",
    ]


def test_no_import_cycle() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles (break each by moving what both sides need into a module of its own):\n" + "\n".join(
        _describe(component, graph) for component in found
    )


def test_no_oversized_class_or_function() -> None:
    big = oversize(sizes())
    assert not big, (
        f"over {MAX_CLASS_LINES} lines (class) or {MAX_FUNCTION_LINES} lines (function); split into well-named parts:\n"
        + "\n".join(f"  {name}: {lines} lines" for name, lines in sorted(big.items()))
    )


def test_the_cycle_finder_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"e"}}
    found = cycles(graph)
    assert found == [["a", "b", "c"]]  # a module importing itself is no cycle between modules
    assert _cycle_path(found[0], graph) == "a -> b -> c -> a"


def test_the_size_check_catches_a_long_function_and_a_long_class() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(59))
    source = (
        f"def fits():\n{body}\n"                       # 60 lines: at the limit
        f"def long():\n{body}    x = 0\n\n"             # 61 lines
        "class Big:\n" + "".join(f"    a{i} = {i}\n" for i in range(250))  # 251 lines
    )
    assert oversize(sizes_in(ast.parse(source), "plant.py")) == {"plant.py::long": 61, "plant.py::Big": 251}
