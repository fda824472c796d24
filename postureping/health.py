"""When to see a doctor: the warnings from the project's source articles, in our own words.

Shown by `postureping routines --about` and, once, on the first run of the service.
"""

from __future__ import annotations

HEADING: str = "When to see a doctor about back pain"

ABOUT: str = (
    "postureping's routines and this notice are written in our own words from general "
    "articles about lower back pain, listed below. The routines are everyday habits "
    "those articles suggest: changing position, moving around, a comfortable workplace, "
    "lifting with care and sleeping posture."
)

# The two articles the routines and this notice were written from, titled as published.
SOURCES: tuple[str, ...] = (
    "Lower Back And Buttock Pain From Running",
    "Lower Back Leg Pain When Running",
)

SEE_A_DOCTOR_LEAD: str = (
    "Most back pain slowly gets better with care at home, often within a few weeks. "
    "If you have back pain, it is still worth talking to your doctor about it. Contact "
    "your doctor if your back pain:"
)

SEE_A_DOCTOR: tuple[str, ...] = (
    "is not getting better within 72 hours (three days)",
    "goes on for more than a few weeks, or its symptoms keep lingering",
    "is severe, especially if resting doesn't make it better",
    "travels down one leg or both, above all if it reaches below the knee",
    "makes one leg or both feel weak, numb or tingly",
    "comes with weight loss you can't explain",
)

SEEK_CARE_NOW_LEAD: str = (
    "Rarely, back pain is a sign of something serious. Get medical care right away if "
    "your back pain:"
)

SEEK_CARE_NOW: tuple[str, ...] = (
    "brings on new bowel or bladder problems",
    "comes with a fever",
    "starts after a fall, a blow to your back or another injury",
)

DISCLAIMER: str = (
    "postureping gives habit reminders, not medical advice. Its reminders are general "
    "tips that may not suit everyone: they cannot diagnose or treat anything and do not "
    "replace your doctor or physiotherapist. If a movement hurts, stop, and ask your "
    "doctor before you carry on."
)

SHORT_NOTICE: str = (
    "postureping gives habit reminders, not medical advice. "
    "To see when back pain needs a doctor, run: postureping routines --about"
)

WIDTH: int = 79  # every line of render_notice() is shorter than 80 characters


def _wrap(text: str, first: str = "", rest: str = "", width: int = WIDTH) -> list[str]:
    """Greedy word wrap: `first` starts the first line, `rest` the following ones."""
    lines: list[str] = []
    line = first
    start = len(first)
    for word in text.split():
        if len(line) > start and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = rest
            start = len(rest)
        line = line + word if len(line) == start else f"{line} {word}"
    lines.append(line)
    return lines


def render_notice() -> str:
    """The notice as plain text for the terminal: a heading, the two lists, the disclaimer."""
    lines = [HEADING, "=" * len(HEADING), ""]
    lines += _wrap(SEE_A_DOCTOR_LEAD)
    for item in SEE_A_DOCTOR:
        lines += _wrap(item, "  - ", "    ")
    lines.append("")
    lines += _wrap(SEEK_CARE_NOW_LEAD)
    for item in SEEK_CARE_NOW:
        lines += _wrap(item, "  - ", "    ")
    lines.append("")
    lines += _wrap(DISCLAIMER)
    lines.append("")
    lines += _wrap(ABOUT)
    lines.append("Sources:")
    for title in SOURCES:
        lines += _wrap(f'"{title}"', "  - ", "    ")
    return "\n".join(lines)
