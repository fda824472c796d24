"""Text for a terminal: what postureping prints for people to read.

A routine's title comes from a settings file, a routine id or source from an imported
history, a path from anywhere: any of them may hold control characters that a terminal acts
on (ESC starts a sequence that sets the window title, clears the screen or recolours it; a
"\\r" overwrites what came before). Shown text goes through `visible`, which puts "?" in
place of each (one for one, so columns stay aligned) and keeps newlines and tabs. JSON and
CSV output are data for programs and keep the text exactly (JSON escapes control characters).
"""

from __future__ import annotations

import re

# C0 controls other than newline and tab, DEL, and the C1 controls (U+0080 to U+009F).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character but newline and tab shown as "?"."""
    return _CONTROL.sub("?", text)
