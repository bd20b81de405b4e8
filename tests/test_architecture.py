"""The shape of the code: three layers, imports only downwards, no cycles, and a
domain that knows nothing of Flask.

Reads every module's imports with ``ast`` (those inside functions too, so that
an import hidden in a function cannot hide a cycle)."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Lowest first. A module may import its own layer and those before it.
LAYERS = ("archive", "search_index", "stories", "app")
WEB_ONLY = ("flask", "flask_login", "flask_wtf", "werkzeug")


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, pathlib.Path]:
    found = {"app": ROOT / "app.py"}
    for package in LAYERS[:-1]:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(path: pathlib.Path) -> set[str]:
    """Every module name ``path`` imports, at any depth of the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            # "from archive import media" imports the module archive.media.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _project_imports(module: str) -> set[str]:
    """Project modules ``module`` imports, with the packages Python initialises on the
    way: importing ``a.b.c`` first runs ``a/b/__init__.py`` (unless ``module`` is
    inside ``a.b`` itself, which is then already being initialised)."""
    found = set()
    for name in _imports(MODULES[module]):
        if name not in MODULES or name == module:
            continue
        found.add(name)
        parts = name.split(".")
        for depth in range(1, len(parts)):
            parent = ".".join(parts[:depth])
            if parent in MODULES and parent != module and not module.startswith(parent + "."):
                found.add(parent)
    return found


def _layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_domain_imports_nothing_from_the_web_framework():
    offenders = []
    for module, path in MODULES.items():
        if module.split(".")[0] not in ("archive", "search_index"):
            continue
        for name in _imports(path):
            if name.split(".")[0] in WEB_ONLY:
                offenders.append(f"{module} imports {name}")
    assert offenders == []


def test_no_layer_imports_a_higher_one():
    upward = [
        f"{module} imports {name}"
        for module in MODULES
        for name in _project_imports(module)
        if _layer(name) > _layer(module)
    ]
    assert upward == []


def test_the_import_graph_has_no_cycle():
    graph = {module: _project_imports(module) for module in MODULES}
    # A package's __init__ re-exporting its own modules is not a cycle of modules.
    for module in graph:
        graph[module] = {n for n in graph[module] if not module.startswith(n + ".")}
    visiting, done, cycles = set(), set(), []

    def visit(module, trail):
        if module in done:
            return
        if module in visiting:
            cycles.append(" -> ".join([*trail[trail.index(module) :], module]))
            return
        visiting.add(module)
        for name in sorted(graph[module]):
            visit(name, [*trail, module])
        visiting.discard(module)
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
    assert cycles == []


def test_nothing_outside_search_index_imports_its_private_modules():
    private = [
        f"{module} imports {name}"
        for module in MODULES
        if not module.startswith("search_index")
        for name in _project_imports(module)
        if name.startswith("search_index.")
    ]
    assert private == []


def test_the_graph_reader_sees_real_imports():
    # Guards the tests above against passing because they read nothing.
    assert "archive.policy" in _project_imports("archive.stories")
    assert "search_index.facet_registry" in _project_imports("search_index")
    assert {"flask", "flask_wtf"} & {n.split(".")[0] for n in _imports(MODULES["stories.contribute.forms"])}


def test_every_migration_function_is_registered_in_order():
    from archive import migrations

    defined = [name for name in vars(migrations) if name[:1] == "m" and name[1:4].isdigit()]
    registered = [m.name for m in migrations.migrations._migrations]
    assert registered == defined  # none forgotten (a lost decorator would skip a table)
    assert registered == sorted(registered)  # declared, and so applied, in order
