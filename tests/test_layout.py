"""The layout of kb/ and ingest/: stages import one way, no circles, small files and classes.

Read from the source with `ast` (no module is imported), so every import counts: those at module
level, inside functions and under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# the stages of kb/ from the bottom up; a module may import its own stage and the levels below.
# store and embed are peers: neither imports the other.
LEVEL = {"root": 0, "store": 1, "embed": 1, "search": 2, "answers": 3, "library": 4, "serve": 5, "cli": 6}
ROOT_MODULES = {"kb.types", "kb.errors", "kb.config", "kb.sentences"}
FACE = {"kb", "kb.__main__"}  # the public face: re-exports lazily from every stage
INGEST_MAY_USE = {"root", "store", "embed"}
SEAM = "kb.library.seam"  # the one kb module that imports ingest
ENTRY_POINTS = {"ingest.__main__"}  # `python -m ingest` is `kb ingest`: it calls the CLI
MAX_FILE_LINES = 400
MAX_CLASS_LINES = 250


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources() -> dict[str, Path]:
    files = sorted((ROOT / "kb").rglob("*.py")) + sorted((ROOT / "ingest").rglob("*.py"))
    return {module_name(p): p for p in files}


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The project modules a file imports (a `from pkg import name` of a submodule counts as that submodule)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    if path.is_relative_to(ROOT):
        found.discard(module_name(path))
    return found


def stage(module: str) -> str | None:
    if module in ROOT_MODULES:
        return "root"
    parts = module.split(".")
    if parts[0] == "kb" and len(parts) > 1 and parts[1] in LEVEL:
        return parts[1]
    return None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = sources()
    return {m: imports_of(p, set(mods)) for m, p in mods.items()}


def test_every_kb_module_belongs_to_a_stage(graph):
    """This test ensures that each file of kb/ lives in a stage folder or is root vocabulary, so its
    path says which stage it serves."""
    loose = [m for m in graph if m.startswith("kb") and m not in FACE and stage(m) is None]
    assert not loose, f"kb modules outside the stage folders: {loose}"


def test_stage_packages_say_what_they_own():
    """This test ensures that each stage folder's __init__.py carries a docstring saying what it
    owns and what it may import, and holds no code."""
    for name in LEVEL:
        if name == "root":
            continue
        init = ROOT / "kb" / name / "__init__.py"
        tree = ast.parse(init.read_text())
        doc = ast.get_docstring(tree)
        assert doc and "import" in doc, f"{init} needs a docstring naming what it owns and may import"
        assert len(tree.body) == 1, f"{init} should hold only its docstring (import from the modules)"


def test_kb_imports_run_down_the_stages(graph):
    """This test ensures that no kb module imports a stage above its own, or a peer stage
    (store and embed do not know each other), and the root vocabulary imports no stage."""
    upward = []
    for mod, deps in graph.items():
        if not mod.startswith("kb") or mod in FACE:
            continue
        mine = stage(mod)
        for dep in deps:
            if not dep.startswith("kb") or dep in FACE:
                continue
            theirs = stage(dep)
            if theirs == mine:
                continue
            if LEVEL[theirs] >= LEVEL[mine]:
                upward.append(f"{mod} ({mine}) -> {dep} ({theirs})")
    assert not upward, "imports against the stage order:\n" + "\n".join(sorted(upward))


def test_types_and_errors_import_only_the_standard_library(graph):
    """This test ensures that kb.types and kb.errors, which every stage imports, import nothing of ours."""
    assert graph["kb.types"] == set() and graph["kb.errors"] == set()


def test_kb_reaches_ingest_only_through_the_seam(graph):
    """This test ensures that kb names ingest in one module only (kb.library.seam), and there
    only inside functions, so `import kb` never loads the readers."""
    users = sorted(m for m, deps in graph.items() if m.startswith("kb") and any(d.startswith("ingest") for d in deps))
    assert users == [SEAM], f"kb modules importing ingest: {users}"
    tree = ast.parse(sources()[SEAM].read_text())
    top = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    assert all(not (getattr(n, "module", "") or "").startswith("ingest") for n in top)


def test_ingest_uses_only_store_embed_and_vocabulary(graph):
    """This test ensures that ingest/ uses kb's store, embed and root vocabulary and nothing above them."""
    bad = [f"{m} -> {d}" for m, deps in graph.items() if m.startswith("ingest") and m not in ENTRY_POINTS
           for d in deps if d.startswith("kb") and stage(d) not in INGEST_MAY_USE]
    assert not bad, bad


def test_no_import_circles(graph):
    """This test ensures that the module graph of kb/ and ingest/ has no circle (Tarjan's strongly
    connected components; any component of two or more modules is a circle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not circles, f"import circles: {circles}"


def test_files_and_classes_stay_small():
    """This test ensures that no file in kb/ or ingest/ passes 400 lines and no class 250."""
    big = []
    for mod, path in sources().items():
        text = path.read_text()
        if text.count("\n") > MAX_FILE_LINES:
            big.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                big.append(f"{mod}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert not big, big


def test_the_walker_sees_an_upward_import(tmp_path):
    """This test ensures that the import walker finds function-level imports (so the checks above
    can fail): a store module importing the search stage inside a function is seen."""
    fake = tmp_path / "kb" / "store" / "x.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    from kb.search.knowledge_base import KnowledgeBase\n")
    found = imports_of(fake, {"kb.search.knowledge_base", "kb.search"})
    assert found == {"kb.search.knowledge_base"}
