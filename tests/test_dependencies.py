"""A default install needs no compiler and no headers: every dependency, on Linux, macOS and
Windows, comes as a wheel.

pip evaluates environment markers (`sys_platform == 'linux'`) for the machine it runs on, even
with `--platform`, so the dependencies of each target are followed here: each round downloads
wheels only (`--only-binary=:all: --no-deps`) for the target's platform tags, reads their
Requires-Dist and keeps what the target's markers select. Needs the package index: skipped
without it, except in CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYTHON = "3.11"  # the oldest Python the project supports: the fewest wheels
TARGETS = {
    "linux": (
        ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64"),
        {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    ),
    "macos": (
        ("macosx_11_0_arm64", "macosx_11_0_universal2", "macosx_10_9_universal2"),
        {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
    ),
    "windows": (
        ("win_amd64",),
        {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    ),
}


def default_dependencies() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(text) for text in project["dependencies"]]


def test_no_dependency_is_built_from_source_or_a_second_dbus_library() -> None:
    names = {canonicalize_name(r.name) for r in default_dependencies()}
    assert not names & {"dbus-python", "matplotlib", "pygobject", "dbus-next", "dasbus"}
    assert "jeepney" in names
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "report" not in optional["optional-dependencies"]


def download(tags: tuple[str, ...], requirements: list[str], into: Path) -> None:
    platforms = [arg for tag in tags for arg in ("--platform", tag)]
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
         "--no-deps", "--only-binary=:all:", "--python-version", PYTHON,
         "--implementation", "cp", *platforms, "-d", str(into), *requirements],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if result.returncode == 0:
        return
    offline = any(
        word in result.stderr
        for word in ("NewConnectionError", "Temporary failure in name resolution", "Network is")
    )
    if offline and os.environ.get("CI") != "true":
        pytest.skip("checking for wheels needs the package index")
    raise AssertionError(f"no wheel for {requirements}:\n{result.stderr[-3000:]}")


def requires(wheel: Path) -> list[Requirement]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [Requirement(text) for text in metadata.get_all("Requires-Dist") or []]


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_every_default_dependency_is_a_wheel(target: str, tmp_path: Path) -> None:
    tags, markers = TARGETS[target]
    # Every marker variable is a string (packaging's TypedDict types them as such).
    environment: dict[str, str] = {
        **{name: str(value) for name, value in default_environment().items()},
        **markers,
        "python_version": PYTHON,
        "python_full_version": f"{PYTHON}.0",
        "extra": "",
    }

    def wanted(requirement: Requirement) -> bool:
        return requirement.marker is None or requirement.marker.evaluate(environment)

    seen: set[str] = set()
    pending = [r for r in default_dependencies() if wanted(r)]
    while pending:
        fresh = [r for r in pending if canonicalize_name(r.name) not in seen]
        seen |= {canonicalize_name(r.name) for r in fresh}
        if not fresh:
            break
        before = set(tmp_path.iterdir())
        download(tags, [f"{r.name}{r.specifier}" for r in fresh], tmp_path)
        pending = [
            r for wheel in set(tmp_path.iterdir()) - before for r in requires(wheel) if wanted(r)
        ]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files and all(name.endswith(".whl") for name in files), files
    if target == "macos":
        assert any(name.startswith("pyobjc_framework_quartz") for name in files), files
    if target != "linux":
        assert not any(name.startswith(("jeepney", "python_xlib")) for name in files), files
