"""Turn pydantic's validation errors into Problems a person can act on: the file or
environment variable, the key path, the bad value and what is allowed."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from postureping.errors import Problem
from postureping.settings.types import EntryErrors, describe_value

Loc = tuple[int | str, ...]

_BY_TYPE = {
    "missing": "required key is missing",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "string_type": "must be text in quotes",
    "string_too_short": "must not be empty",
    "model_type": "must be a table (a [section] or { key = value, ... })",
    "model_attributes_type": "must be a table (a [section] or { key = value, ... })",
    "dict_type": "must be a table (a [section] or { key = value, ... })",
    "tuple_type": "must be a list, like [ ... ]",
    "list_type": "must be a list, like [ ... ]",
    "path_type": "must be a file path in quotes",
}


def key_path(loc: Loc) -> str:
    """('custom_routines', 0, 'at') -> 'custom_routines[0].at'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _field_model(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model found by walking `loc` through the fields of `model` (dict keys and list
    indexes pass through), for listing the keys allowed where an unknown one stands."""
    current: Any = model
    for part in loc:
        current = _strip(current)
        origin = typing.get_origin(current)
        if origin is dict:
            current = typing.get_args(current)[-1]  # `part` is a key of the table
        elif origin in (tuple, list):
            current = typing.get_args(current)[0]  # `part` is an index
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            return None
    current = _strip(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _strip(annotation: Any) -> Any:
    """The type inside Optional[...] and Annotated[...]."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def _allowed(error: ErrorDetails, model: type[BaseModel]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        parent = _field_model(model, tuple(error["loc"][:-1]))
        return unknown_key(str(error["loc"][-1]), list(parent.model_fields) if parent else [])
    if kind in ("literal_error", "enum"):
        expected = (error.get("ctx") or {}).get("expected", "")
        return f"must be one of: {expected}"
    if kind in ("greater_than_equal", "less_than_equal"):
        ctx = error.get("ctx") or {}
        if "ge" in ctx:
            return f"must be at least {ctx['ge']}"
        return f"must be at most {ctx['le']}"
    if kind == "string_too_long":
        return f"is too long (at most {(error.get('ctx') or {}).get('max_length')} characters)"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, ")
    return _BY_TYPE.get(kind, error["msg"])


def unknown_key(key: str, allowed: list[str]) -> str:
    """ "unknown key; did you mean 'every'? allowed keys here: ..." (difflib's closest)."""
    if not allowed:
        return "unknown key"
    close = difflib.get_close_matches(key.lower(), allowed, n=1, cutoff=0.6)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key; {guess}allowed keys here: {', '.join(allowed)}"


def problems_from_validation(
    error: ValidationError,
    model: type[BaseModel],
    where: Callable[[Loc], str],
    data: object = None,
) -> list[Problem]:
    """One Problem per error; `where` names the source of the value at a location, and
    `data` (the raw input) lets a list entry be named by its id."""
    problems = []
    for detail in error.errors():
        loc = tuple(detail["loc"])
        entries = (detail.get("ctx") or {}).get("error")
        if isinstance(entries, EntryErrors):
            # One problem per bad entry of a list, named by its index.
            problems += [
                Problem(where(loc), _name((*loc, i), data), describe_value(v), why)
                for i, v, why in entries.entries
            ]
            continue
        whole_table = detail["type"] == "missing" or isinstance(detail["input"], dict)
        value = "" if whole_table else describe_value(detail["input"])
        problems.append(Problem(where(loc), _name(loc, data), value, _allowed(detail, model)))
    return problems


def _name(loc: Loc, data: object) -> str:
    """The key path, with the id of a list entry when it has one: custom_routines[0] (id "x")."""
    path = key_path(loc)
    node = data
    for i, part in enumerate(loc):
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, Sequence) and not isinstance(node, str) and isinstance(part, int):
            node = node[part] if part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                head = key_path(loc[: i + 1])
                return f'{head} (id "{node["id"]}")' + path[len(head) :]
        else:
            break
    return path
