"""The package is ready to publish: `python -m build` makes an sdist and a wheel (the wheel
from the sdist) that `twine check` passes, with the built-in routines, the starter settings
and the tray pixmaps inside; the wheel installs into an empty venv from a wheelhouse with
`--no-index` (so nothing needs building), and the installed CLI runs.

Building fetches setuptools and the wheelhouse the dependencies' wheels from the package
index (pip's cache makes repeats quick): skipped without the index, except in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env

pytestmark = pytest.mark.slow  # builds, downloads and installs into empty venvs

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "postureping", "routines", "config")
OFFLINE = (
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "No matching distribution found for setuptools",
)
BIN = "Scripts" if sys.platform == "win32" else "bin"

PROBE = """
import importlib, pkgutil
import postureping, postureping.builtin_routines as data
# Every module of the package is in the wheel.
for module in pkgutil.walk_packages(postureping.__path__, "postureping."):
    if module.name != "postureping.__main__":  # that one runs the CLI
        importlib.import_module(module.name)
from postureping.settings.builtin import load_builtin_specs
from postureping.commands.config import starter_text
specs = load_builtin_specs()
print(postureping.__file__)
print(data.__file__)
print(len(specs), ",".join(s.id for s in specs))
print(len(starter_text()))
"""


def run(
    args: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a build or install step; skip the test when it failed for want of the index."""
    result = subprocess.run(
        list(args), capture_output=True, text=True, timeout=300, check=False, cwd=cwd, env=env
    )
    if result.returncode != 0 and any(word in result.stderr for word in OFFLINE):
        if os.environ.get("CI") == "true":
            pytest.fail(f"the package index is needed in CI:\n{result.stderr[-3000:]}")
        pytest.skip("building the package needs the package index")
    assert result.returncode == 0, f"{args}:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "postureping").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    missing = sorted(on_disk - listed)
    assert missing == [], f"add to [tool.setuptools] packages in pyproject.toml: {missing}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel, built from a copy of the sources (setuptools leaves build/
    and *.egg-info in the tree it builds)."""
    root = tmp_path_factory.mktemp("build")
    source, dist = root / "source", root / "dist"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    # Without --sdist/--wheel, build makes the sdist and then the wheel from it, so a file
    # missing from the sdist is missing from the wheel too.
    run([sys.executable, "-m", "build", "--outdir", str(dist), str(source)])
    [sdist] = dist.glob("postureping-*.tar.gz")
    [wheel] = dist.glob("postureping-*.whl")
    return sdist, wheel


def test_build_gives_an_sdist_and_a_wheel_that_twine_passes(built: tuple[Path, Path]) -> None:
    sdist, wheel = built
    result = run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)])
    assert result.stdout.count("PASSED") == 2, result.stdout

    source_routines = sorted(p.name for p in (ROOT / "routines").glob("*.toml"))
    assert len(source_routines) >= 8
    names = zipfile.ZipFile(wheel).namelist()
    for name in source_routines:
        assert f"postureping/builtin_routines/{name}" in names
    assert "postureping/default_config/config.toml" in names
    assert "postureping/tray/pixmaps.bin" in names
    assert "postureping/tray/postureping.png" in names  # notifications' app_icon
    assert not [n for n in names if n.startswith("tests/")]
    # The MIT licence's text travels with both (PEP 639: .dist-info/licenses/ in the wheel).
    [licence] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
    licence_text = zipfile.ZipFile(wheel).read(licence).decode()
    assert licence_text == (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Copyright (c) 2026 the postureping authors" in licence_text
    with tarfile.open(sdist) as archive:
        members = {m.name.split("/", 1)[1] for m in archive.getmembers() if "/" in m.name}
    for name in source_routines:
        assert f"routines/{name}" in members
    assert {"config/config.toml", "postureping/tray/pixmaps.bin", "README.md"} <= members
    assert "LICENSE" in members


def test_the_wheel_installs_from_a_wheelhouse_without_building(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    _, wheel = built
    wheelhouse, venv, elsewhere = tmp_path / "wheelhouse", tmp_path / "venv", tmp_path / "home"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    # The dependencies' wheels for this machine, and only wheels.
    run([*pip, "download", "--only-binary=:all:", "--dest", str(wheelhouse), str(wheel)])
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / BIN / ("python.exe" if sys.platform == "win32" else "python")
    run([*pip, "--python", str(python), "install", "--no-index", "--find-links", str(wheelhouse),
         "--only-binary=:all:", "postureping"])  # fmt: skip

    env = isolated_env(tmp_path, {"PYTHONSAFEPATH": "1"})
    env.pop("PYTHONPATH", None)
    program = venv / BIN / "postureping"
    version = run([str(program), "--version"], cwd=elsewhere, env=env)
    assert version.stdout.startswith("postureping ")
    routines = run([str(program), "routines"], cwd=elsewhere, env=env)
    assert "walk" in routines.stdout
    report = run([str(program), "report", "--output", "-"], cwd=elsewhere, env=env)
    assert report.stdout.startswith("<!DOCTYPE html>") and report.stdout.count("<svg ") == 3

    probe = run([str(python), "-c", PROBE], cwd=elsewhere, env=env)
    package_file, data_file, count_ids, starter_length = probe.stdout.splitlines()
    assert Path(package_file).is_relative_to(venv)  # the installed copy, not the sources
    assert Path(data_file).is_relative_to(venv)
    count, ids = count_ids.split(" ")
    source_routines = sorted(p.stem for p in (ROOT / "routines").glob("*.toml"))
    assert int(count) == len(source_routines) and sorted(ids.split(",")) == source_routines
    assert int(starter_length) > 500
