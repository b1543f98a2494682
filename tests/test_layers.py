"""The direction of imports: front ends over the application layer over the domain, never up.

Every ``import`` in ``reviewstation/`` is read with ``ast`` (late imports inside functions
included) and checked against ``LAYERS`` below; a module not listed there fails the test, so
a new module is placed on purpose. There is no import cycle anywhere in the package.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "reviewstation"

# Lowest first. A module may import its own layer and the layers below it. Inside a layer the
# cycle check keeps the order honest (for example findings -> checklists -> reviews).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "errors",
            "canonical",
            "storage",
            "markings",
            "dates",
            "resources",
            "process",
            "progress",
            "text",
            "archive",
            "ziparchive",
        ),
    ),
    ("crypto", ("crypto",)),
    ("vault", ("vault",)),
    (
        "features",
        ("reviews", "checklists", "findings", "artifacts", "evidence", "analysis", "determination"),
    ),
    ("contracts", ("package_content",)),
    ("writers", ("formats", "reports")),
    ("packages", ("packages",)),
    ("application", ("app",)),
    ("front ends", ("cli", "gui", "__main__")),
]
# The package itself (``reviewstation/__init__.py``: the version) is importable from anywhere.
ANYWHERE = {"reviewstation"}
# Imports that cross front ends on purpose: the command line starts the desktop app.
ALLOWED = {("reviewstation.cli", "reviewstation.gui.app")}


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return -1
    for rank, (_, tops) in enumerate(LAYERS):
        if parts[1] in tops:
            return rank
    raise AssertionError(f"{module} is in no layer: add its top-level name to LAYERS")


def module_name(path: Path, root: Path) -> str:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path, known: set[str]) -> Iterable[str]:
    """Every reviewstation module ``path`` imports, resolved to a module where possible."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    here = module_name(path, root)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "reviewstation":
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module or ""
            if source.split(".")[0] != "reviewstation":
                continue
            for alias in node.names:
                candidate = f"{source}.{alias.name}"
                yield candidate if candidate in known else source


def graph(root: Path) -> dict[str, set[str]]:
    files = sorted(root.rglob("*.py"))
    known = {module_name(f, root) for f in files}
    edges: dict[str, set[str]] = {}
    for file in files:
        here = module_name(file, root)
        targets = set()
        for target in imports_of(file, root, known):
            # Importing a submodule runs its package's __init__ too, but a module's own
            # ancestors are not an edge of its own making.
            if target != here and not here.startswith(target + "."):
                targets.add(target)
        edges[here] = targets
    return edges


def upward(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            if target in ANYWHERE or any(
                (source == a or source.startswith(a + ".")) and target == b for a, b in ALLOWED
            ):
                continue
            if layer_of(target) > layer_of(source):
                high, low = LAYERS[layer_of(target)][0], LAYERS[layer_of(source)][0]
                problems.append(f"{source} ({low}) imports {target} ({high})")
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in edges:
                continue
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_is_in_a_layer() -> None:
    for module in graph(ROOT):
        layer_of(module)


def test_no_module_imports_a_higher_layer() -> None:
    assert upward(graph(ROOT)) == []


def test_no_import_cycle_anywhere() -> None:
    assert cycles(graph(ROOT)) == []


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "reviewstation"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        # a late import inside a function counts like any other
        (
            {
                "vault/__init__.py": "",
                "vault/session.py": "def f():\n    import reviewstation.app.x\n",
                "app/__init__.py": "",
                "app/x.py": "",
            },
            ["reviewstation.vault.session (vault) imports reviewstation.app.x (application)"],
        ),
        (
            {
                "crypto/__init__.py": "",
                "crypto/a.py": "from reviewstation.packages import b\n",
                "packages/__init__.py": "",
                "packages/b.py": "",
            },
            ["reviewstation.crypto.a (crypto) imports reviewstation.packages.b (packages)"],
        ),
        (
            {
                "formats/__init__.py": "",
                "formats/c.py": "from ..packages.d import X\n",
                "packages/__init__.py": "",
                "packages/d.py": "X = 1\n",
            },
            ["reviewstation.formats.c (writers) imports reviewstation.packages.d (packages)"],
        ),
        (
            {
                "app/__init__.py": "",
                "app/x.py": "from reviewstation.vault import y\n",
                "vault/__init__.py": "",
                "vault/y.py": "",
            },
            [],
        ),
    ],
)
def test_the_checker_sees_an_upward_import(
    tmp_path: Path, files: dict[str, str], expected: list[str]
) -> None:
    assert upward(graph(_tree(tmp_path, files))) == expected


def test_the_checker_sees_a_cycle(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "reviews/__init__.py": "",
            "reviews/a.py": "from reviewstation.findings import b\n",
            "findings/__init__.py": "",
            "findings/b.py": "def f():\n    from reviewstation.reviews import a\n",
        },
    )
    assert cycles(graph(root)) == [["reviewstation.findings.b", "reviewstation.reviews.a"]]
