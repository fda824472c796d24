"""The tray icon as a StatusNotifierItem sends it: ARGB32 pixmaps, drawn ahead of time.

Drawing them takes Pillow, about 4 MiB of the daemon's memory for three small pictures that
never change between releases. So `python -m postureping.tray.icon` draws them (with
postureping.tray.icon) into `pixmaps.bin` next to this module, and the daemon only reads that.
tests/test_tray_dbusmenu.py checks the file against a fresh drawing.

The file: zlib-compressed, the pixels of each IconState (in the enum's order) at each of
PIXMAP_SIZES, one after the other, each row by row, each pixel A, R, G, B.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from functools import cache
from importlib import resources

from postureping.tray.menu import IconState

PIXMAP_SIZES = (22, 32, 64)  # a panel picks the closest to its own size
DATA = "pixmaps.bin"
# The largest "active" pixmap as a PNG file, for notifications' app_icon
# (postureping.notify.app_icon); written with DATA.
NOTIFY_ICON = "postureping.png"

Pixmap = tuple[int, int, bytes]  # width, height, ARGB32 pixels in network byte order


def pack(pixmaps: Mapping[IconState, tuple[Pixmap, ...]]) -> bytes:
    """The contents of DATA for these pixmaps (one per size of PIXMAP_SIZES, per state)."""
    parts = []
    for state in IconState:
        sizes = [(width, height) for width, height, _ in pixmaps[state]]
        if sizes != [(size, size) for size in PIXMAP_SIZES]:
            raise ValueError(f"{state}: pixmaps of {sizes}, not of {PIXMAP_SIZES}")
        parts += [pixels for _, _, pixels in pixmaps[state]]
    return zlib.compress(b"".join(parts), 9)


def unpack(data: bytes) -> dict[IconState, tuple[Pixmap, ...]]:
    pixels = zlib.decompress(data)
    expected = len(IconState) * sum(size * size * 4 for size in PIXMAP_SIZES)
    if len(pixels) != expected:
        raise ValueError(f"{DATA} holds {len(pixels)} bytes of pixels, not {expected}")
    result = {}
    offset = 0
    for state in IconState:
        maps = []
        for size in PIXMAP_SIZES:
            end = offset + size * size * 4
            maps.append((size, size, pixels[offset:end]))
            offset = end
        result[state] = tuple(maps)
    return result


@cache
def _shipped() -> dict[IconState, tuple[Pixmap, ...]]:
    return unpack(resources.files(__package__).joinpath(DATA).read_bytes())


def argb_pixmaps(state: IconState) -> tuple[Pixmap, ...]:
    """The icon for `state` at each of PIXMAP_SIZES, as IconPixmap wants it."""
    return _shipped()[state]
