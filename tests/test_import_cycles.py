"""No module imports itself back at import time in the apps whose services enqueue tasks: their
tasks import the services, the services enqueue through ``enqueue_*`` functions that find the task
by its registered name, never importing the task module (issue 17; tests/core/test_queue.py). An AST walk of the module-level imports, no import run."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("disbursements", "notifications", "reports")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _top_level_imports(tree: ast.Module, module: str, known: set[str]) -> set[str]:
    """Modules of ``known`` imported outside any function (also in module-level if/try blocks)."""
    found: set[str] = set()
    package = module if module in known and (ROOT / module.replace(".", "/") / "__init__.py").exists() else None
    base = package or module.rpartition(".")[0]
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                anchor = base.rsplit(".", node.level - 1)[0] if node.level > 1 else base
                source = f"{anchor}.{source}" if source else anchor
            for alias in node.names:
                if f"{source}.{alias.name}" in known:  # from app import module
                    found.add(f"{source}.{alias.name}")
                elif source in known:
                    found.add(source)
        else:
            stack.extend(ast.iter_child_nodes(node))
    return found - {module}


def import_graph(apps: tuple[str, ...]) -> dict[str, set[str]]:
    paths = [path for app in apps for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    known = {_module_name(path) for path in paths}
    return {_module_name(p): _top_level_imports(ast.parse(p.read_text()), _module_name(p), known) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first walk (each reported from the module where it closes)."""
    found, done = [], set()

    def walk(node: str, path: list[str]) -> None:
        if node in path:
            found.append([*path[path.index(node) :], node])
            return
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            walk(target, [*path, node])
        done.add(node)

    for node in sorted(graph):
        walk(node, [])
    return found


def test_the_walk_finds_a_circle_when_there_is_one():
    assert cycles({"a.services": {"a.tasks"}, "a.tasks": {"a.services"}}) == [["a.services", "a.tasks", "a.services"]]


def test_tasks_import_services_and_no_module_imports_itself_back():
    graph = import_graph(APPS)
    assert "notifications.services" in graph["notifications.tasks"]
    assert "reports.exports" in graph["reports.tasks"]
    assert "disbursements.services" in graph["disbursements.tasks"]
    assert cycles(graph) == []
