"""YAML/JSON loading that keeps the line and column of every node.

Mappings load as `YMap` and sequences as `YList`: ordinary dicts and lists
that also carry where they and each of their members start. A duplicate key,
which PyYAML (and so Heat's own template loader) silently collapses to the
last value, is reported with both positions: into the caller's `duplicates`
list (the last value kept, as Heat does), or as an error when none is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml


@dataclass(frozen=True)
class Pos:
    file: str
    line: int  # 1-based
    col: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class YMap(dict):
    pos: Pos
    key_pos: dict
    value_pos: dict


class YList(list):
    pos: Pos
    item_pos: list


class TemplateSyntaxError(Exception):
    def __init__(self, message: str, pos: Pos, code: str):
        super().__init__(message)
        self.message = message
        self.pos = pos
        self.code = code


def _mark(file: str, mark, line_offset: int = 0, col_offset: int = 0) -> Pos:
    return Pos(file, mark.line + 1 + line_offset, mark.column + 1 + col_offset)


# Heat parses with libyaml when PyYAML has it, and again with the pure-Python loader only when that fails
# (heat/common/template_format.py): its messages quote the template. The same here, and 4x faster on a
# large master (tests/bench/bench_analysis.py).
FAST_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _make_loader(
    file: str,
    line_offset: int = 0,
    col_offset: int = 0,
    duplicates: list[TemplateSyntaxError] | None = None,
    base=FAST_BASE,
):
    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    def _mark(file, mark):  # positions shifted for embedded documents
        return Pos(file, mark.line + 1 + line_offset, mark.column + 1 + col_offset)

    def construct_mapping(loader, node, deep=False):
        loader.flatten_mapping(node)
        result = YMap()
        result.pos = _mark(file, node.start_mark)
        result.key_pos = {}
        result.value_pos = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise TemplateSyntaxError(
                    "a mapping key must be a plain value", _mark(file, key_node.start_mark), "MR001"
                ) from None
            if key in result:
                first = result.key_pos[key]
                duplicate = TemplateSyntaxError(
                    f"duplicate key {key!r} (first at line {first.line})", _mark(file, key_node.start_mark), "MR002"
                )
                if duplicates is None:
                    raise duplicate
                duplicates.append(duplicate)  # and the last value wins below, as in Heat
            result[key] = loader.construct_object(value_node, deep=True)
            result.key_pos[key] = _mark(file, key_node.start_mark)
            result.value_pos[key] = _mark(file, value_node.start_mark)
        return result

    def construct_sequence(loader, node, deep=False):
        result = YList(loader.construct_object(child, deep=True) for child in node.value)
        result.pos = _mark(file, node.start_mark)
        result.item_pos = [_mark(file, child.start_mark) for child in node.value]
        return result

    # Heat reads dates such as 2018-08-31 as strings, not datetime.date.
    def construct_str_timestamp(loader, node):
        return loader.construct_scalar(node)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_str_timestamp)
    return Loader


def loads(
    text: str,
    file: str = "<string>",
    line_offset: int = 0,
    col_offset: int = 0,
    duplicates: list[TemplateSyntaxError] | None = None,
):
    """Parse HOT YAML or JSON text into YMap/YList with positions.

    The offsets place a document embedded in another file (a child template
    written inline as a block scalar) at its real lines in that file. With
    `duplicates`, a duplicate key is appended there and the last value kept.
    """
    before = len(duplicates) if duplicates is not None else 0
    try:
        # _make_loader's Loader is a (C)SafeLoader subclass: no arbitrary objects.
        return yaml.load(text, Loader=_make_loader(file, line_offset, col_offset, duplicates))
    except TemplateSyntaxError:
        raise
    except (yaml.YAMLError, RecursionError):
        if duplicates is not None:
            del duplicates[before:]  # said again by the second reading, if at all
    try:
        return yaml.load(text, Loader=_make_loader(file, line_offset, col_offset, duplicates, yaml.SafeLoader))
    except TemplateSyntaxError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        # An unclosed bracket fails at the end of the file; where it opened helps more.
        if exc.context_mark is not None and "stream end" in (exc.problem or ""):
            mark = exc.context_mark
        pos = _mark(file, mark, line_offset, col_offset) if mark else Pos(file, 1 + line_offset, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise TemplateSyntaxError(f"YAML syntax error: {problem}", pos, "MR001") from None
    except yaml.YAMLError as exc:
        raise TemplateSyntaxError(f"YAML syntax error: {exc}", Pos(file, 1, 1), "MR001") from None
    except RecursionError:
        raise TemplateSyntaxError("the document is nested too deeply", Pos(file, 1, 1), "MR001") from None


def pos_of(container, key, fallback: Pos) -> Pos:
    """Position of container[key]'s value, or the fallback."""
    if isinstance(container, YMap):
        return container.value_pos.get(key, container.pos)
    if isinstance(container, YList) and isinstance(key, int) and key < len(container.item_pos):
        return container.item_pos[key]
    return getattr(container, "pos", fallback)


def key_pos_of(container, key, fallback: Pos) -> Pos:
    if isinstance(container, YMap):
        return container.key_pos.get(key, container.pos)
    return getattr(container, "pos", fallback)
