"""The architecture's rules, as import-linter contracts (pyproject.toml, [tool.importlinter]):
the pure core imports no desktop backend and no desktop library, the history never imports the
daemon. scripts/check runs `lint-imports` on the tree; these tests show that the contracts hold
and that they can fail: a copy of the package with one forbidden import breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="needs import-linter (the test extra: scripts/setup test)"
)


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working folder first on sys.path, so it reads `tree`'s package, not
    # the installed one; no cache, so an earlier run's graph is never reused.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(tree / "pyproject.toml")],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_the_tree(target: Path) -> Path:
    shutil.copytree(
        ROOT / "postureping", target / "postureping", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", target)
    return target


def add_import(module: Path, statement: str) -> None:
    text = module.read_text(encoding="utf-8")
    # After the docstring and `from __future__`, which must stay first.
    marker = "from __future__ import annotations\n"
    assert marker in text, f"{module} has no {marker!r} to put the import after"
    module.write_text(text.replace(marker, marker + statement + "\n", 1), encoding="utf-8")


def test_the_tree_keeps_its_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "broken"),
    [
        # A desktop backend in the pure core, directly...
        ("schedule.py", "import postureping.notify.service", "no desktop backend"),
        # ...a desktop library, and a backend from the engine and the statistics...
        ("hours.py", "import jeepney", "no desktop backend"),
        ("engine/engine.py", "from postureping.desktop import x11", "no desktop backend"),
        ("stats/compute.py", "import Xlib.display", "no desktop backend"),
        # ...and the daemon from the history.
        ("history/store.py", "from postureping.daemon import pause", "never imports the daemon"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(
    tmp_path: Path, module: str, statement: str, broken: str
) -> None:
    tree = copy_of_the_tree(tmp_path)
    add_import(tree / "postureping" / module, statement)
    result = lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 broken" in result.stdout, result.stdout
    broken_line = next(line for line in result.stdout.splitlines() if line.endswith("BROKEN"))
    assert broken in broken_line
