"""The house's shape, read from the source (docs/architecture.md): every app sits on a floor and imports
only from the floors below it; no import circle; no app names another app's table in an SQL string.

An AST walk over every project module (migrations, tests, bench and scripts left out) collects both
module-level and function-level imports, so an import hidden inside a function is still an arrow.
Today's exceptions are listed below, each entry precise (importer module → imported module, or file →
table with its count), so a NEW arrow, circle or foreign table fails, and an entry that no longer
happens fails too (delete it: the allowlists only shrink).
"""

import ast
import contextlib
import re
from collections import Counter, defaultdict
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent

# The floors, lowest first. An app may import from the floors below its own, never from its own floor's
# siblings nor from above. (INSTALLED_APPS lists the apps in the same order.)
FLOORS: dict[str, int] = {
    "core": 0,  # BaseModel, months, text, formatting, the provider registries (timeline, panels, work lists)
    "geography": 1,  # admin units and the scoping door
    "accounts": 2,  # users, roles, staff assignments (imports geography)
    "privacy": 3,  # masking and the log of sensitive reads (imports accounts)
    "households": 4,  # the registry (imports privacy)
    "povertyreview": 5,  # reviews write the households' year statuses
    "beneficiaries": 5,  # social-allowance cases, entitlement, health-insurance cards
    "disbursements": 6,  # monthly runs over the beneficiaries' cases
    "support": 6,  # support programmes for households (reads beneficiaries' categories)
    "notifications": 7,  # may import every floor below, imported by nothing but the demo
    "reports": 7,
    "api": 8,  # the API for other systems: reads through selectors and access doors, writes through services
    "demo": 9,  # the roof: loads every app's demo data (notifications' templates and messages too)
}
SKIPPED_PARTS = {"migrations", "tests", "bench", "scripts", "__pycache__"}

# Arrows from an app to one on its own floor or above. None today: core's home page gets the user's
# communes through core.worklists.register_units_provider (geography registers), and the allowance
# categories' filters live in beneficiaries/templatetags/allowances.py, not in the registry's tags.
KNOWN_UPWARD: set[tuple[str, str]] = set()

# Function-level imports that close an import circle, each the edge that closes one. None today: services
# enqueue their tasks by registered name (core.queue.registered_task) instead of importing their task
# module, which imports them. Module-level circles have no allowance at all.
KNOWN_CIRCLE_EDGES: set[tuple[str, str]] = set()

# Another app's table named in a string literal (SQL) of a file, or reached as ``Model._meta.db_table`` of
# another app's model: file -> table -> count. None today: each owner exports its rules in its ``sql.py``
# (relations and conditions built from its own models and enums) and the readers embed those.
KNOWN_FOREIGN_TABLES: dict[str, dict[str, int]] = {}


# --- reading the source ---------------------------------------------------------------------------


def _modules() -> dict[str, Path]:
    """Every project module by dotted name (``support.services.records``; a package by its own name)."""
    found = {}
    for app in FLOORS:
        if not (ROOT / app).is_dir():
            continue
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if SKIPPED_PARTS & set(relative.parts):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _app(module: str) -> str:
    return module.split(".")[0]


def _targets(module: str, path: Path, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The project modules an import statement loads: ``from pkg import name`` is the submodule
    ``pkg.name`` when there is one, else ``pkg``; names outside the project are dropped."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([node.module] if node.module else []))
        names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    targets = []
    for name in names:
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in MODULES and name != module:
            targets.append(name)
    return targets


def _top_level_imports(tree: ast.Module):
    """Imports run when the module is imported (also under a module-level ``if`` or ``try``)."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try):
            pending.extend(node.body + node.orelse + getattr(node, "finalbody", []))
            for handler in getattr(node, "handlers", []):
                pending.extend(handler.body)


def _graph(*, module_level_only: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(), filename=str(path))
        if module_level_only:
            imports = _top_level_imports(tree)
        else:
            imports = (node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom))
        for node in imports:
            graph[module].update(_targets(module, path, node))
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    circles.append(sorted(group))
    return circles


# --- the floors -----------------------------------------------------------------------------------


def test_the_walk_sees_every_app_and_the_imports_inside_functions():
    assert {_app(module) for module in MODULES} >= set(FLOORS) - {"demo"}
    graph = _graph(module_level_only=False)
    # function-level imports are arrows too (notifications.tasks imports the reminders inside a task)
    assert "notifications.reminders" in graph["notifications.tasks"]
    assert "notifications.reminders" not in _graph(module_level_only=True)["notifications.tasks"]
    # ``from support import services`` is the package, ``from support.services.loans import x`` the module
    assert "support.services.loans" in graph["support.bulk"]


def test_an_app_imports_only_from_the_floors_below_it():
    arrows = {
        (importer, imported)
        for importer, targets in _graph(module_level_only=False).items()
        for imported in targets
        if _app(importer) != _app(imported) and FLOORS[_app(imported)] >= FLOORS[_app(importer)]
    }
    new = sorted(arrows - KNOWN_UPWARD)
    assert not new, f"arrows to an app on the same floor or above (see docs/architecture.md): {new}"
    gone = sorted(KNOWN_UPWARD - arrows)
    assert not gone, f"these arrows are gone: delete them from KNOWN_UPWARD: {gone}"


def test_no_module_imports_itself_back_at_import_time():
    assert _circles(_graph(module_level_only=True)) == []


def test_no_import_circle_beyond_the_known_ones():
    graph = _graph(module_level_only=False)
    gone = sorted(edge for edge in KNOWN_CIRCLE_EDGES if edge[1] not in graph.get(edge[0], ()))
    without_known = {module: targets - {b for a, b in KNOWN_CIRCLE_EDGES if a == module} for module, targets
                     in graph.items()}  # fmt: skip
    assert _circles(without_known) == []
    assert not gone, f"these imports are gone: delete them from KNOWN_CIRCLE_EDGES: {gone}"
    closed = sorted(edge for edge in KNOWN_CIRCLE_EDGES if any(set(edge) <= set(c) for c in _circles(graph)))
    assert closed == sorted(KNOWN_CIRCLE_EDGES), "an allowed edge no longer closes a circle: delete it"


# --- tables ---------------------------------------------------------------------------------------


def _table_owners() -> dict[str, str]:
    return {
        model._meta.db_table: model._meta.app_label
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in FLOORS
    }


def _strings(tree: ast.Module):
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):  # f-strings' literal parts are Constant nodes too
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.value


def _foreign_models_tables(module: str, tree: ast.Module):
    """The tables reached as ``Model._meta.db_table`` of a model imported from another app's models: writing
    the owner's table through its ``_meta`` is still naming it in this app's SQL."""
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            app = node.module.split(".")[0]
            if app in FLOORS and app != _app(module) and node.module.split(".")[-1] == "models":
                for alias in node.names:
                    with contextlib.suppress(LookupError):
                        imported[alias.asname or alias.name] = apps.get_model(app, alias.name)._meta.db_table
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "db_table"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "_meta"
            and isinstance(node.value.value, ast.Name)
            and node.value.value.id in imported
        ):
            yield imported[node.value.value.id]


def _foreign_tables() -> dict[str, Counter]:
    owners = _table_owners()
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, owners), key=len, reverse=True)) + r")\b")
    found: dict[str, Counter] = {}
    for module, path in MODULES.items():
        if _app(module) == "demo":
            continue  # the roof writes every app's demo and synthetic rows, as the apps' own tests do
        tree = ast.parse(path.read_text())
        counts = Counter(
            table for text in _strings(tree) for table in pattern.findall(text) if owners[table] != _app(module)
        )
        counts.update(_foreign_models_tables(module, tree))
        if counts:
            found[path.relative_to(ROOT).as_posix()] = counts
    return found


def test_the_table_scan_knows_the_tables_and_reads_sql_strings():
    owners = _table_owners()
    assert owners["households_householdyearstatus"] == "households"
    assert owners["support_record"] == "support"
    pattern = re.compile(r"\bhouseholds_household\b")
    sql = 'f"SELECT 1 FROM households_household h JOIN households_householdyearstatus s ON s.id = {x}"'
    assert [t for s in _strings(ast.parse(sql)) for t in pattern.findall(s)] == ["households_household"]
    assert list(_strings(ast.parse('"""households_household in a docstring is not SQL"""'))) == []
    source = "from households.models import Household as H\nsql = f'SELECT 1 FROM {H._meta.db_table}'"
    assert list(_foreign_models_tables("reports.figures", ast.parse(source))) == ["households_household"]
    assert list(_foreign_models_tables("households.importing", ast.parse(source))) == []


def test_no_app_names_another_apps_table_in_sql():
    found = _foreign_tables()
    new = {
        file: {table: count for table, count in counts.items() if count > KNOWN_FOREIGN_TABLES.get(file, {}).get(table, 0)}
        for file, counts in found.items()
    }  # fmt: skip
    new = {file: tables for file, tables in new.items() if tables}
    assert not new, f"another app's table named in SQL (the owner should export the rule): {new}"
    fewer = {
        file: {table: (count, found.get(file, {}).get(table, 0)) for table, count in tables.items()
               if found.get(file, {}).get(table, 0) < count}
        for file, tables in KNOWN_FOREIGN_TABLES.items()
    }  # fmt: skip
    fewer = {file: tables for file, tables in fewer.items() if tables}
    assert not fewer, f"fewer foreign tables than allowed (allowed, found): lower KNOWN_FOREIGN_TABLES: {fewer}"
