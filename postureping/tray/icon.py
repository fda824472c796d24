"""The tray icon's images, drawn with Pillow (pure: no desktop).

pystray shows these images. The StatusNotifierItem tray sends the same drawings as pixmaps
that are drawn ahead of time (postureping.tray.pixmaps): run this module to draw them again
after changing the icon (`python -m postureping.tray.icon`).

Active: a teal disc with an upright figure. Awaiting an answer: the same with an orange dot.
Paused: a grey disc, the figure faded, and a dark pause sign, so the state reads at 16 px too.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw

from postureping.tray.menu import IconState
from postureping.tray.pixmaps import DATA, NOTIFY_ICON, PIXMAP_SIZES, Pixmap, pack, unpack

SIZE = 64
_TEAL = (32, 140, 128, 255)
_GREY = (150, 150, 150, 255)
_WHITE = (255, 255, 255, 255)
_FADED = (225, 225, 225, 255)
_DARK = (45, 45, 45, 255)
_ORANGE = (240, 130, 20, 255)


def draw_icon(state: IconState, size: int = SIZE) -> Image.Image:
    """A new RGBA image of `size` x `size` for `state` (drawn at 64 px, then scaled)."""
    return _draw(state).resize((size, size), Image.Resampling.LANCZOS)


def draw_pixmaps(state: IconState) -> tuple[Pixmap, ...]:
    """The icon as StatusNotifierItem's IconPixmap wants it: (width, height, ARGB32 pixels in
    network byte order, row by row) at each of PIXMAP_SIZES."""
    pixmaps = []
    for size in PIXMAP_SIZES:
        red, green, blue, alpha = draw_icon(state, size).split()
        pixels = Image.merge("RGBA", (alpha, red, green, blue)).tobytes()  # A, R, G, B bytes
        pixmaps.append((size, size, pixels))
    return tuple(pixmaps)


@cache
def _draw(state: IconState) -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    paused = state is IconState.PAUSED
    pen.ellipse((2, 2, 61, 61), fill=_GREY if paused else _TEAL)
    _figure(pen, _FADED if paused else _WHITE)
    if paused:
        pen.rounded_rectangle((34, 30, 42, 56), radius=2, fill=_DARK)
        pen.rounded_rectangle((47, 30, 55, 56), radius=2, fill=_DARK)
    elif state is IconState.AWAITING:
        pen.ellipse((42, 0, 63, 21), fill=_ORANGE, outline=_WHITE, width=2)
    return image


def _figure(pen: ImageDraw.ImageDraw, colour: tuple[int, int, int, int]) -> None:
    """Someone standing tall with arms raised: a stretch."""
    pen.ellipse((26, 9, 38, 21), fill=colour)  # head
    pen.line((32, 22, 32, 42), fill=colour, width=6)  # back, straight
    pen.line((32, 27, 20, 16), fill=colour, width=4)  # arms up
    pen.line((32, 27, 44, 16), fill=colour, width=4)
    pen.line((32, 41, 24, 55), fill=colour, width=5)  # legs
    pen.line((32, 41, 40, 55), fill=colour, width=5)


def png_of(pixmap: Pixmap) -> Image.Image:
    """An ARGB32 pixmap as an RGBA image (for the notifications' PNG)."""
    width, height, pixels = pixmap
    alpha, red, green, blue = Image.frombytes("RGBA", (width, height), pixels).split()
    return Image.merge("RGBA", (red, green, blue, alpha))


def main() -> int:
    """Draw the StatusNotifierItem pixmaps into postureping/tray/pixmaps.bin, and the
    notifications' app icon (the largest "active" pixmap of that file) into NOTIFY_ICON."""
    target = Path(__file__).with_name(DATA)
    pixmaps = {state: draw_pixmaps(state) for state in IconState}
    target.write_bytes(pack(pixmaps))
    print(f"wrote {target}")
    icon = Path(__file__).with_name(NOTIFY_ICON)
    png_of(unpack(target.read_bytes())[IconState.ACTIVE][-1]).save(icon, optimize=True)
    print(f"wrote {icon}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
