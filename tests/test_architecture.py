"""Pure packages (scoring rules, questionnaire content) import no web or database framework."""
import ast
import importlib.util
import sys
from pathlib import Path

import pytest

PURE_PACKAGES = ("scoring", "instruments")
FRAMEWORKS = {"flask", "flask_sqlalchemy", "flask_wtf", "sqlalchemy", "wtforms", "flask_login"}
# Thin command-line layers may use click; the rules they call may not.
CLI_MODULES = {"commands.py"}


def app_root() -> Path:
    # find_spec locates pro_app without running its __init__ (the app factory).
    spec = importlib.util.find_spec("pro_app")
    return Path(next(iter(spec.submodule_search_locations)))


def imported_modules(source: str) -> set[str]:
    """Top-level names of every absolute import in the source."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def package_files(package: str) -> list[Path]:
    folder = app_root() / package
    if not folder.is_dir():
        pytest.skip(f"pro_app/{package} does not exist yet")
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_pure_packages_do_not_import_frameworks(package):
    for path in package_files(package):
        found = FRAMEWORKS & imported_modules(path.read_text(encoding="utf-8"))
        assert not found, f"{path} imports {sorted(found)}"


def test_scoring_uses_only_the_standard_library_outside_its_click_commands():
    for path in package_files("scoring"):
        if path.name in CLI_MODULES:
            continue
        outside = {name for name in imported_modules(path.read_text(encoding="utf-8"))
                   if name not in sys.stdlib_module_names}
        assert not outside, f"{path} imports {sorted(outside)}"


def test_import_check_sees_plain_dotted_and_from_imports():
    source = "import os\nimport flask.json\nfrom sqlalchemy.orm import Session\nfrom . import haq\n"

    assert imported_modules(source) == {"os", "flask", "sqlalchemy"}
