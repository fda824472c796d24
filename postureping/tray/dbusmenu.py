"""The tray's menu in com.canonical.dbusmenu's terms: numbered items with properties (pure).

The host asks for the layout as nested `(ia{sv}av)` structs, `(id, properties, children)`,
each child a variant holding another such struct; values here are jeepney's, a variant being a
`(signature, value)` pair. Item 0 is the root. Items are numbered depth first, so the same
menu always gets the same ids; a menu that changes gets a new layout revision, and the host
asks again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from postureping.tray.menu import Action, Entry, Item

ROOT = 0
LAYOUT_SIGNATURE = "(ia{sv}av)"

Variant = tuple[str, Any]  # jeepney's: (signature, value)
Properties = dict[str, Variant]
Layout = tuple[int, Properties, list[Variant]]


@dataclass(frozen=True)
class Node:
    properties: Properties
    children: tuple[int, ...] = ()
    action: Action | None = None


def number(entries: Sequence[Entry]) -> dict[int, Node]:
    """Every entry of the menu by its id, with the root (id 0) holding the top level."""
    nodes: dict[int, Node] = {}
    nodes[ROOT] = Node({"children-display": ("s", "submenu")}, _add(entries, nodes))
    return nodes


def _add(entries: Sequence[Entry], nodes: dict[int, Node]) -> tuple[int, ...]:
    ids = []
    for entry in entries:
        node_id = len(nodes) + 1  # the root takes 0 once its children are in
        nodes[node_id] = Node({})  # holds the place, so a submenu's items come after it
        ids.append(node_id)
        if not isinstance(entry, Item):
            nodes[node_id] = Node({"type": ("s", "separator"), "visible": ("b", True)})
            continue
        properties: Properties = {
            "label": ("s", mnemonic_free(entry.label)),
            "enabled": ("b", entry.enabled),
            "visible": ("b", True),
        }
        children: tuple[int, ...] = ()
        if entry.submenu:
            properties["children-display"] = ("s", "submenu")
            children = _add(entry.submenu, nodes)
        nodes[node_id] = Node(properties, children, entry.action)
    return tuple(ids)


def mnemonic_free(label: str) -> str:
    """`label` as dbusmenu shows it: a single "_" would mark the next letter as a mnemonic."""
    return label.replace("_", "__")


def layout(nodes: Mapping[int, Node], parent: int, depth: int, names: Sequence[str]) -> Layout:
    """GetLayout's answer for `parent`: its children down to `depth` levels (-1: all), with
    the properties in `names` (empty: all). Raises KeyError for an unknown id."""
    node = nodes[parent]
    children: list[Variant] = []
    if depth != 0:
        below = depth - 1 if depth > 0 else -1
        children = [(LAYOUT_SIGNATURE, layout(nodes, c, below, names)) for c in node.children]
    return (parent, chosen(node.properties, names), children)


def group_properties(
    nodes: Mapping[int, Node], ids: Iterable[int], names: Sequence[str]
) -> list[tuple[int, Properties]]:
    """GetGroupProperties' answer; no ids means every item. Unknown ids are left out."""
    wanted = list(ids) or sorted(nodes)
    return [(i, chosen(nodes[i].properties, names)) for i in wanted if i in nodes]


def chosen(properties: Properties, names: Sequence[str]) -> Properties:
    if not names:
        return dict(properties)
    return {name: value for name, value in properties.items() if name in names}
