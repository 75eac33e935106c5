"""Layers point one way: core ← tenants ← network ← cases ← contracts ← billing (../shared/DESIGN.md).

A module may import only its own package and those to its left; `core/app.py` (create_app) alone wires them all.
Imports inside functions count too: a late import is still a dependency.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("core", "tenants", "network", "cases", "contracts", "billing")
WIRING = {ROOT / "core" / "app.py", ROOT / "core" / "celery_worker.py"}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def upward_imports() -> list[str]:
    found = []
    for rank, package in enumerate(LAYERS):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path in WIRING:
                continue
            for name in _imports(path):
                if name in LAYERS and LAYERS.index(name) > rank:
                    found.append(f"{path.relative_to(ROOT)} imports {name}")
    return found


def test_no_package_imports_a_higher_layer():
    """Does any module import a package above its own (or two domain packages each other both ways)?"""
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """Would the check notice a lower layer importing a higher one (positive control)?"""
    bad = ROOT / "network" / "_layer_probe.py"
    bad.write_text("from contracts import services  # deliberate upward import\n")
    try:
        assert "network/_layer_probe.py imports contracts" in upward_imports()
    finally:
        bad.unlink()
