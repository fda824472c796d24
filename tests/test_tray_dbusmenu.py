"""The tray's menu and item in D-Bus terms (pure): dbusmenu's numbered layout, and the
StatusNotifierItem's properties and pixmaps."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postureping.controller import Prompt, Status, Upcoming
from postureping.tray import dbusmenu
from postureping.tray.dbusmenu import ROOT, group_properties, layout, number
from postureping.tray.icon import draw_icon, draw_pixmaps
from postureping.tray.menu import (
    SEPARATOR,
    IconState,
    Item,
    PauseFor,
    PauseUntilResumed,
    Quit,
    build_view,
)
from postureping.tray.pixmaps import PIXMAP_SIZES, argb_pixmaps, pack, unpack
from postureping.tray.sni import item_properties, item_status

NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
MENU = (
    Item("Headline"),
    SEPARATOR,
    Item("Pause", submenu=(Item("30 min", PauseFor(timedelta(minutes=30))),
                           Item("Until I resume", PauseUntilResumed()))),
    Item("Quit_now", Quit()),
)  # fmt: skip


def status(**changes: object) -> Status:
    fields: dict[str, object] = {
        "now": NOW,
        "paused": False,
        "paused_until": None,
        "upcoming": (Upcoming("walk", "Walk", NOW + timedelta(minutes=12)),),
        "awaiting": None,
        "done_today": 0,
        "prompted_today": 0,
        "routines": (("walk", "Walk"),),
    }
    return Status(**(fields | changes))  # type: ignore[arg-type]


def test_items_are_numbered_depth_first_under_the_root() -> None:
    nodes = number(MENU)
    assert nodes[ROOT].children == (1, 2, 3, 6)
    assert nodes[3].children == (4, 5)
    assert nodes[ROOT].properties == {"children-display": ("s", "submenu")}
    assert nodes[5].action == PauseUntilResumed()
    assert number(MENU) == nodes  # the same menu, the same ids


def test_item_properties() -> None:
    nodes = number(MENU)
    assert nodes[1].properties == {
        "label": ("s", "Headline"),
        "enabled": ("b", False),  # a line of text
        "visible": ("b", True),
    }
    assert nodes[2].properties == {"type": ("s", "separator"), "visible": ("b", True)}
    assert nodes[3].properties["children-display"] == ("s", "submenu")
    assert nodes[3].properties["enabled"] == ("b", True)


def test_an_underscore_is_not_a_mnemonic() -> None:
    assert number(MENU)[6].properties["label"] == ("s", "Quit__now")
    assert dbusmenu.mnemonic_free("a_b_") == "a__b__"


def test_the_whole_layout() -> None:
    whole = layout(number(MENU), ROOT, -1, [])
    assert whole[0] == ROOT
    pause = whole[2][2]
    assert pause[0] == "(ia{sv}av)"
    assert [child[1][0] for child in pause[1][2]] == [4, 5]
    assert pause[1][2][1][1][1]["label"] == ("s", "Until I resume")


@pytest.mark.parametrize(("depth", "grandchildren"), [(0, None), (1, 0), (2, 2)])
def test_the_layout_stops_at_the_depth_asked(depth: int, grandchildren: int | None) -> None:
    found = layout(number(MENU), ROOT, depth, [])
    if grandchildren is None:
        assert found[2] == []
        return
    pause = found[2][2][1]
    assert len(pause[2]) == grandchildren


def test_a_submenu_alone_and_only_the_properties_asked() -> None:
    found = layout(number(MENU), 3, -1, ["label"])
    assert found[0] == 3 and found[1] == {"label": ("s", "Pause")}
    assert [child[1][1] for child in found[2]] == [
        {"label": ("s", "30 min")},
        {"label": ("s", "Until I resume")},
    ]


def test_an_unknown_parent_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        layout(number(MENU), 99, -1, [])


def test_group_properties() -> None:
    nodes = number(MENU)
    assert group_properties(nodes, [4, 99], ["label"]) == [(4, {"label": ("s", "30 min")})]
    assert [i for i, _ in group_properties(nodes, [], [])] == [0, 1, 2, 3, 4, 5, 6]


def test_the_real_menu_converts() -> None:
    view = build_view(status(), NOW, Path("config.toml"), UTC)
    found = layout(number(view.menu), ROOT, -1, ["label"])
    labels = [child[1][1].get("label", ("s", "-"))[1] for child in found[2]]
    assert labels[-2:] == ["Open settings file", "Quit"]


# -- the StatusNotifierItem ----------------------------------------------------------------------


def test_the_item_asks_for_attention_only_while_a_reminder_awaits_an_answer() -> None:
    prompt = Prompt("walk", "Walk", NOW)
    views = {
        "active": build_view(status(), NOW, Path("c"), UTC),
        "awaiting": build_view(status(awaiting=prompt), NOW, Path("c"), UTC),
        "paused": build_view(status(paused=True), NOW, Path("c"), UTC),
    }
    assert {k: item_status(v) for k, v in views.items()} == {
        "active": "Active",
        "awaiting": "NeedsAttention",
        "paused": "Active",  # Passive would hide the icon, and the way to resume with it
    }
    properties = item_properties(views["paused"])
    assert properties["Title"] == ("s", "postureping: Paused")
    assert properties["ToolTip"] == ("(sa(iiay)ss)", ("", [], "postureping: Paused", ""))
    assert properties["IconPixmap"][1] == list(argb_pixmaps(IconState.PAUSED))
    assert properties["AttentionIconPixmap"][1] == list(argb_pixmaps(IconState.AWAITING))


@pytest.mark.parametrize("state", list(IconState))
def test_pixmaps_are_argb_in_network_byte_order(state: IconState) -> None:
    pixmaps = draw_pixmaps(state)
    assert [(w, h) for w, h, _ in pixmaps] == [(s, s) for s in PIXMAP_SIZES]
    width, height, pixels = pixmaps[-1]
    image = draw_icon(state, width)
    for x, y in ((32, 32), (0, 0), (32, 12)):
        red, green, blue, alpha = image.getpixel((x, y))  # type: ignore[misc]
        offset = (y * width + x) * 4
        assert tuple(pixels[offset : offset + 4]) == (alpha, red, green, blue)
    assert len(pixels) == width * height * 4


@pytest.mark.parametrize("state", list(IconState))
def test_the_shipped_pixmaps_are_todays_drawing(state: IconState) -> None:
    """pixmaps.bin is drawn ahead of time: after a change to the icon, run
    `python -m postureping.tray.icon`. A little leeway for another Pillow's antialiasing."""
    for (width, height, shipped), (_, _, drawn) in zip(
        argb_pixmaps(state), draw_pixmaps(state), strict=True
    ):
        assert len(shipped) == len(drawn) == width * height * 4
        differences = [abs(a - b) for a, b in zip(shipped, drawn, strict=True)]
        assert max(differences) <= 48, f"{state} at {width} px: run python -m postureping.tray.icon"
        assert sum(differences) / len(differences) < 2


def test_pixmap_data_round_trip_and_damage() -> None:
    drawn = {state: draw_pixmaps(state) for state in IconState}
    assert unpack(pack(drawn)) == drawn
    with pytest.raises(ValueError, match="bytes of pixels"):
        unpack(zlib.compress(b"too short"))
    with pytest.raises(ValueError, match="not of"):
        pack({**drawn, IconState.PAUSED: drawn[IconState.PAUSED][:2]})


def test_the_gtk_tray_gets_rgba_pixels() -> None:
    from postureping.tray.gtk_tray import rgba

    assert rgba(bytes([255, 10, 20, 30, 128, 1, 2, 3])) == bytes([10, 20, 30, 255, 1, 2, 3, 128])
    width, _, argb = argb_pixmaps(IconState.ACTIVE)[-1]
    image = draw_icon(IconState.ACTIVE, width).tobytes()  # Pillow's RGBA
    assert sum(abs(a - b) for a, b in zip(rgba(argb), image, strict=True)) / len(image) < 2
