"""The apps depend one way: onboarding on audit and vault, audit on vault."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORBIDDEN_IMPORTS = {
    "vault": {"onboarding", "audit", "config"},
    "audit": {"onboarding", "config"},
}


def imported_top_level_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    packages = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            packages.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            packages.add(node.module.split(".")[0])
    return packages


@pytest.mark.parametrize("app", sorted(FORBIDDEN_IMPORTS))
def test_app_imports_point_one_way(app):
    offenders = []
    for path in sorted((settings.BASE_DIR / app).rglob("*.py")):
        wrong = imported_top_level_packages(path) & FORBIDDEN_IMPORTS[app]
        if wrong:
            offenders.append(
                f"{path.relative_to(settings.BASE_DIR)} imports {sorted(wrong)}"
            )

    assert not offenders, "; ".join(offenders)
