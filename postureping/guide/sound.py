"""The short sound at each step change (`[guide] sound = true`): a sound of the desktop's
theme through its sound server where a player is installed (canberra-gtk-play, else paplay
with freedesktop's sound theme file), else the window's bell. It never waits for the sound:
the player runs on its own, and a missing or failing player is silent."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from postureping.guide.session import Cue

EVENT_IDS = {Cue.STEP: "message", Cue.GO: "message", Cue.SIDE: "message", Cue.FINISHED: "complete"}
SOUND_FILES = (Path("/usr/share/sounds/freedesktop/stereo"),)

Player = Callable[[Cue], None]


def player(environ: Mapping[str, str], bell: Callable[[], None]) -> Player:
    """What plays a cue on this machine: the first of canberra-gtk-play, paplay (with a sound
    file that exists), or `bell`."""
    path = environ.get("PATH")
    if (canberra := shutil.which("canberra-gtk-play", path=path)) is not None:
        return lambda cue: _spawn([canberra, "--id", EVENT_IDS[cue]], environ, bell)
    paplay = shutil.which("paplay", path=path)
    if paplay is not None:
        for folder in SOUND_FILES:
            if (folder / "message.oga").is_file():
                return lambda cue: _spawn(
                    [paplay, str(folder / f"{EVENT_IDS[cue]}.oga")], environ, bell
                )
    return lambda _cue: bell()


def _spawn(command: list[str], environ: Mapping[str, str], bell: Callable[[], None]) -> None:
    try:
        subprocess.Popen(
            command, env=dict(environ), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    except OSError:
        bell()
