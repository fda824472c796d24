"""The app's icon on a freedesktop notification: Notify's `app_icon` and its `image-data` hint.

`app_icon` is the file:// URI of the PNG that ships inside the package (the tray's 64 px
"active" pixmap, postureping.tray.pixmaps.NOTIFY_ICON), not an icon name. A name only resolves
through an installed icon theme, and `pipx install` installs none: GNOME, KDE and swaync would
show a generic icon for an unknown name. A URI works from any install whose package lives on
disk (pip, pipx, a clone); from a zipped package there is no file to point at, and `app_icon`
is left empty.

The `image-data` hint carries the same picture as pixels (the specification's (iiibiiay):
width, height, rowstride, has_alpha, bits per sample, channels, RGBA bytes), built from the
tray's ARGB32 pixmaps (postureping.tray.pixmaps). Servers that show an image take it first
(image-data, then image-path, then app_icon), so dunst and mako show the icon with no file
and no theme at all.

No `desktop-entry` hint: it names a .desktop file in an applications folder, and no install
of postureping puts one there (the autostart entry lives in ~/.config/autostart, which servers
do not search); GNOME would look up an application that does not exist.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from postureping.tray.menu import IconState
from postureping.tray.pixmaps import NOTIFY_ICON, argb_pixmaps

BITS_PER_SAMPLE = 8
CHANNELS = 4  # R, G, B, A


def argb_to_rgba(pixels: bytes) -> bytes:
    """ARGB32 pixels (A, R, G, B bytes each) as RGBA bytes."""
    if len(pixels) % 4:
        raise ValueError(f"{len(pixels)} bytes are not whole ARGB32 pixels")
    rgba = bytearray(len(pixels))
    rgba[0::4] = pixels[1::4]
    rgba[1::4] = pixels[2::4]
    rgba[2::4] = pixels[3::4]
    rgba[3::4] = pixels[0::4]
    return bytes(rgba)


@cache
def image_data() -> tuple[str, tuple[int, int, int, bool, int, int, bytes]]:
    """The `image-data` hint's value as a jeepney variant: the largest "active" pixmap."""
    width, height, argb = max(argb_pixmaps(IconState.ACTIVE), key=lambda pixmap: pixmap[0])
    rowstride = width * CHANNELS
    return "(iiibiiay)", (width, height, rowstride, True, BITS_PER_SAMPLE, CHANNELS,
                          argb_to_rgba(argb))  # fmt: skip


@cache
def app_icon() -> str:
    """Notify's `app_icon`: the shipped PNG's file:// URI, or "" when it is not a file."""
    icon = resources.files("postureping.tray").joinpath(NOTIFY_ICON)
    if not isinstance(icon, Path) or not icon.is_file():
        return ""
    return icon.resolve().as_uri()


def icon_hints() -> dict[str, Any]:
    """The hints that carry the icon, for Notify's hints argument."""
    return {"image-data": image_data()}
