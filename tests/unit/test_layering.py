"""The three floors stay apart: `ffviz/` (engine) < `ui/` (Streamlit helpers) < `app_pages/` (pages).

The engine must run without Streamlit (the CLI, the benchmarks and the unit tests use it), so
no module under `ffviz/` imports `streamlit`, nor `ui` or `app_pages`; and `ui/` never imports
the pages that use it, so there are no import loops. Each file is parsed with `ast`, so an
import inside a function, a `from x import y` or a relative import is found, and a word in a
comment or a docstring is not mistaken for one.
"""

import ast

import pytest

from tests.helpers import REPO

# Floor -> the top-level packages that no module of that floor may import.
FORBIDDEN = {
    "ffviz": {"streamlit", "ui", "app_pages"},
    "ui": {"app_pages"},
}


def imported_packages(source, package):
    """The top-level names of every module that `source` imports (a module of `package`)."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            # A relative import (`from . import x`, level >= 1) stays inside its own package.
            names.add(package if node.level else node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) in (
            "__import__",
            "import_module",
        ):
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def test_imported_packages_finds_every_form_of_import():
    """Test that the parser sees imports in functions, from-imports and dynamic imports, and no comments."""
    source = (
        "import os.path\n"
        "from streamlit.testing import v1\n"
        "from . import sibling\n"
        "def late():\n"
        "    import ui.state\n"
        "    return __import__('app_pages.train'), importlib.import_module('keras')\n"
        "# import pandas\n"
        "'''import numpy'''\n"
    )
    assert imported_packages(source, "ffviz") == {"os", "streamlit", "ffviz", "ui", "app_pages", "keras"}


@pytest.mark.parametrize("floor", sorted(FORBIDDEN))
def test_a_floor_never_imports_the_floors_above_it(floor):
    """Test that no module under `ffviz/` imports Streamlit, `ui` or the pages, and `ui/` never imports the pages."""
    modules = sorted((REPO / floor).rglob("*.py"))
    assert modules, f"no Python modules under {floor}/"
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_packages(path.read_text(), floor) & FORBIDDEN[floor])
        for path in modules
    }
    offenders = {path: names for path, names in offenders.items() if names}
    assert not offenders, f"{floor}/ imports what it must not: {offenders}"
