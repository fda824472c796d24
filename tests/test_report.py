"""`postureping report`: a self-contained HTML page, through the real CLI, and looked at in
headless Chromium (the screenshot goes to artifacts/, git-ignored, for people to look at)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from PIL import Image

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from postureping.stats.report import Charts, render
from tests.cli_helpers import data_dir, isolated_env, run_cli
from tests.test_stats import ev, stats
from tests.test_streaks import TWO_WEEKS, done
from tests.test_streaks import stats as stats_on_weekdays

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
# A title with everything HTML or SVG could misread: tags, entities, quotes, a dollar sign
# (mathtext to matplotlib, which drew the charts before).
TITLE = 'Reach <up> & "stretch" $5 </td><script>alert(1)</script>'
SETTINGS = f"""
[[custom_routines]]
id = "reach-up"
title = '{TITLE}'
message = "Hands <above> & beyond"
every = "40m"
"""
DONE_GREEN = (0x2E, 0x7D, 0x32)  # postureping.stats.charts.DONE


@dataclass(frozen=True)
class Made:
    root: Path
    path: Path
    page: str


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """One history, one settings file, one report, for the tests that only read it."""
    root = tmp_path_factory.mktemp("report")
    config = root / "config" / "postureping" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(SETTINGS, encoding="utf-8")
    store = EventStore(data_dir(root) / "events.jsonl")
    today = datetime.now(UTC).date()
    for days_ago in range(20):
        moment = datetime.combine(today - timedelta(days=days_ago), time(9), tzinfo=UTC)
        for n, routine in enumerate(("walk", "reach-up", "stretch")):
            store.append(Event.new(routine, Kind.PROMPTED, "daemon", moment))
            answer = (Kind.DONE, Kind.SKIPPED, Kind.MISSED)[(days_ago + n) % 3]
            later = moment + timedelta(hours=n * 3)
            store.append(Event.new(routine, answer, "cli", later))
    result = run_cli(root, "report", "--weeks", "3")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    return Made(root, path, path.read_text(encoding="utf-8"))


def test_the_report_goes_to_the_data_folder_and_its_path_is_printed(made: Made) -> None:
    today = datetime.now(UTC).date()
    assert made.path == data_dir(made.root) / "reports" / f"report-{today}.html"
    if os.name == "posix":
        assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700
    assert made.page.startswith("<!DOCTYPE html>")
    assert made.page.count("<svg ") == 3
    assert "The last 3 weeks: " in made.page


def external_references(page: str) -> list[str]:
    """Anything in the page that a browser could fetch from elsewhere."""
    found = [
        value
        for value in re.findall(r"""\b(?:src|href|action|poster)\s*=\s*["']?([^"'\s>]*)""", page)
        if not value.startswith("#")
    ]
    found += re.findall(r"url\(\s*['\"]?(?!#)[^)]*\)|@import[^;]*", page)
    found += re.findall(r"<(?:script|link|iframe|img|object|embed|base)\b[^>]*>", page, re.I)
    # Namespace names are identifiers, never fetched; any other address is suspect.
    found += re.findall(r"[a-z]+://[^\s\"'<>]*", re.sub(r'\sxmlns(?::\w+)?="[^"]*"', "", page))
    return found


def test_the_page_is_self_contained(made: Made) -> None:
    assert external_references(made.page) == []
    assert "Content-Security-Policy\" content=\"default-src 'none';" in made.page
    # The check itself finds what it should.
    assert len(external_references('<img src="https://x/y.png">')) == 3
    assert external_references('<p style="background: url(//x/y.png)">') != []
    assert external_references('<use xlink:href="#m1"/>') == []


def test_routine_titles_are_escaped_in_the_table_and_the_charts(made: Made) -> None:
    assert "<script" not in made.page.lower()
    assert TITLE not in made.page
    # The table (html.escape) and the adherence chart (text nodes: quotes need no escape).
    assert "Reach &lt;up&gt; &amp; &quot;stretch&quot; $5 &lt;/td&gt;&lt;script&gt;" in made.page
    assert re.search(r"<text[^>]*>Reach &lt;up&gt; &amp; \"stretch\" \$5 &lt;/td&gt;", made.page)


def test_render_escapes_every_text_from_the_history() -> None:
    events = [ev(Kind.PROMPTED, stats([]).generated_at, routine="<b>gone&")]
    page = render(stats(events), Charts("<svg a/>", "<svg b/>", "<svg c/>"), weeks=1, version="9")
    assert "&lt;b&gt;gone&amp;" in page and "<b>gone" not in page
    assert "(no longer in the settings)" in page
    assert "<svg a/>" in page and "The last week: " in page


def test_the_page_says_when_streaks_skip_rest_days() -> None:
    charts = Charts("<svg a/>", "<svg b/>", "<svg c/>")
    note = "Streaks skip rest days: days without active hours"
    page = render(stats_on_weekdays(done(*TWO_WEEKS)), charts, weeks=1, version="9")
    assert note in page and "<td>10</td></tr>" in page
    assert note not in render(stats(events=[]), charts, weeks=1, version="9")


def test_output_to_standard_output_and_bad_weeks(made: Made) -> None:
    result = run_cli(made.root, "report", "--weeks", "1", "--output", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.endswith("</html>\n")
    for weeks in ("0", "many", "105"):
        result = run_cli(made.root, "report", "--weeks", weeks)
        assert result.returncode == 2 and "--weeks" in result.stderr


@pytest.fixture(scope="module")
def chromium() -> Iterator[str]:
    """Debian's chromium; skipped where it is missing, but CI must have it (.ci/run)."""
    path = shutil.which("chromium")
    if path is None:
        reason = "the report screenshot needs chromium (apt package chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)
    yield path


def test_chromium_shows_the_report(made: Made, chromium: str, tmp_path: Path) -> None:
    screenshot = tmp_path / "report.png"
    env = isolated_env(tmp_path)  # its profile and caches stay in the temporary folder
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={screenshot}",
            "--window-size=1200,1600",
            made.path.as_uri(),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert result.returncode == 0 and screenshot.exists(), result.stderr[-2000:]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(screenshot, ARTIFACTS / "report.png")

    with Image.open(screenshot) as image:
        assert image.size == (1200, 1600)
        pixels = image.convert("RGB")
    colours = pixels.getcolors(maxcolors=1200 * 1600)
    assert colours is not None
    most_common = max(count for count, _ in colours)
    assert len(colours) > 50, "a blank or nearly blank page"
    assert most_common < 0.95 * 1200 * 1600, "one colour fills the page"
    # The charts were drawn: plenty of the done bars' green.
    green = sum(
        count for count, rgb in colours if isinstance(rgb, tuple) and _near(rgb, DONE_GREEN)
    )
    assert green > 2000


def _near(rgb: tuple[int, ...], target: tuple[int, ...]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(rgb, target, strict=True))
