"""The built-in routines and the starter settings ship inside the wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "postureping", "routines", "config")

PROBE = """
import importlib, pkgutil
import postureping, postureping.builtin_routines as data
# Every module of the package is in the wheel (a package missing from pyproject.toml is not).
for module in pkgutil.walk_packages(postureping.__path__, "postureping."):
    if module.name != "postureping.__main__":  # that one runs the CLI
        importlib.import_module(module.name)
from postureping.builtin import load_builtin_specs
from postureping.commands.config import starter_text
specs = load_builtin_specs()
print(postureping.__file__)
print(data.__file__)
print(len(specs), ",".join(s.id for s in specs))
print(len(starter_text()))
"""


def test_installed_wheel_carries_routines_and_settings(tmp_path: Path) -> None:
    wheels, site, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Build from a copy: setuptools leaves build/ and *.egg-info in the tree it builds.
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
    )
    [wheel] = wheels.glob("postureping-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    source_routines = sorted(p.name for p in (ROOT / "routines").glob("*.toml"))
    assert len(source_routines) >= 8
    for name in source_routines:
        assert f"postureping/builtin_routines/{name}" in names
    assert "postureping/default_config/config.toml" in names
    assert "postureping/tray/pixmaps.bin" in names

    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True)
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    package_file, data_file, routines, starter_length = result.stdout.splitlines()
    # Loaded from the installed copy, not from the source tree.
    assert Path(package_file).is_relative_to(site)
    assert Path(data_file).is_relative_to(site)
    count, ids = routines.split(" ")
    assert int(count) == len(source_routines)
    assert sorted(ids.split(",")) == sorted(Path(n).stem for n in source_routines)
    assert int(starter_length) > 500
