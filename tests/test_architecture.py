"""The apps depend one way, as docs/architecture.md draws them.

Onboarding uses audit and vault, audit uses vault, and detection and
integrations build on all three. Nothing imports config.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

FORBIDDEN_IMPORTS = {
    "vault": {"onboarding", "audit", "detection", "integrations", "config"},
    "audit": {"onboarding", "detection", "integrations", "config"},
    "onboarding": {"detection", "integrations", "config"},
    "detection": {"integrations", "config"},
    "integrations": {"detection", "config"},
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
