"""YAML for CI files, with the line of every value: mappings and lists remember where each entry is, so every
piece of CI evidence (and every reason a piece is rejected) points at its file line."""

from __future__ import annotations

from typing import Any

import yaml


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that knows its own line and each key's line (1-based)."""

    line: int = 0
    lines: dict[Any, int]

    def line_of(self, key: Any, default: int | None = None) -> int:
        return self.lines.get(key, self.line if default is None else default)


class YList(list):  # type: ignore[type-arg]
    """A list that knows its own line and each item's line (1-based)."""

    line: int = 0
    lines: list[int]


class YStr(str):
    """A string scalar that knows its line (the first line of its content for a block scalar)."""

    line: int = 0


def load(text: str) -> Any:
    """Parse one YAML document; raise yaml.YAMLError when it is not YAML. Aliases are built once (a shared node is
    one shared value), so an alias bomb costs its size, not its expansion."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when PyYAML has it: ~10x faster
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _build(loader, node, {})
    except RecursionError:
        raise yaml.YAMLError("nested too deeply to read") from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise yaml.YAMLError(f"a value cannot be read: {exc}") from None
    finally:
        loader.dispose()


def _build(loader: Any, node: yaml.Node, seen: dict[int, Any]) -> Any:
    if id(node) in seen:
        return seen[id(node)]
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = YMap()
        out.line, out.lines = line, {}
        seen[id(node)] = out
        own = {id(k) for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge"}
        loader.flatten_mapping(node)  # `<<: *anchor` merge keys (the mapping's own keys override them)
        explicit: set[Any] = set()
        for key_node, value_node in node.value:
            key = _build(loader, key_node, seen)
            if isinstance(key, (list, dict)):
                key = str(key)
            if isinstance(key, YStr):
                key = str(key)
            if key in explicit and id(key_node) in own:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {out.lines[key]}): CI systems reject the file "
                    "or read only one of the two", key_node.start_mark)
            if id(key_node) in own:
                explicit.add(key)
            out[key] = _build(loader, value_node, seen)
            out.lines[key] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        items = YList()
        items.line, items.lines = line, []
        seen[id(node)] = items
        for child in node.value:
            items.append(_build(loader, child, seen))
            items.lines.append(child.start_mark.line + 1)
        return items
    value = loader.construct_object(node, deep=True)
    if isinstance(value, str):
        text = YStr(value)
        text.line = line + 1 if getattr(node, "style", None) in ("|", ">") else line
        value = text
    seen[id(node)] = value
    return value


def line_of(value: Any, default: int) -> int:
    """The line of a value read by ``load`` (``default`` for scalars that do not keep one)."""
    return getattr(value, "line", 0) or default
