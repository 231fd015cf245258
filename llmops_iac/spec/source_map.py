"""Where each value of a loaded document came from: JSON pointer -> (line, col) of its value and its key."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Trap:
    """A plain scalar whose meaning differs between YAML 1.1 and 1.2."""

    text: str
    yaml11: str  # what a YAML 1.1 reader makes of it, in words


@dataclass
class SourceMap:
    """Where each value of a document came from.

    ``values`` maps a JSON pointer to the (line, col) of its value, ``keys`` to
    the (line, col) of the mapping key naming it; both 1-based.
    """

    file: str
    values: dict[str, tuple[int, int]] = field(default_factory=dict)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    traps: dict[str, Trap] = field(default_factory=dict)
    plain: set[str] = field(default_factory=set)

    def locate(self, pointer: str, *, key: bool = False) -> tuple[str, int, int]:
        """Return (file, line, col) of ``pointer``, or of its nearest located ancestor."""
        p = pointer
        while True:
            if key and p in self.keys:
                return (self.file, *self.keys[p])
            if p in self.values:
                return (self.file, *self.values[p])
            if p in self.keys:
                return (self.file, *self.keys[p])
            if not p:
                return (self.file, 1, 1)
            p = p.rsplit("/", 1)[0]

    def locate_field(self, pointer: str) -> tuple[str, int, int]:
        """Where the field ``pointer`` names is written: its key (a list item: its value); for a field the document
        leaves out, the key of its nearest ancestor that is there (where it would be added)."""
        return self.locate(pointer, key=True)



class OverlaySourceMap(SourceMap):
    """A source map for merged data: pointers under ``into`` whose value came from
    the override at ``origin`` are located there, the rest in ``base``."""

    def __init__(self, base: SourceMap, origin: str, into: str, overridden: set[str]):
        super().__init__(file=base.file, values=base.values, keys=base.keys)
        self.base, self.origin, self.into, self.overridden = base, origin, into, overridden
        for ptr, trap in base.traps.items():
            self.traps.setdefault(ptr, trap)
        for ptr in base.plain:
            self.plain.add(ptr)
        for ptr in overridden:
            src = origin + ptr[len(into):]
            self.traps.pop(ptr, None)
            self.plain.discard(ptr)
            if src in base.traps:
                self.traps[ptr] = base.traps[src]
            if src in base.plain:
                self.plain.add(ptr)

    def locate(self, pointer: str, *, key: bool = False) -> tuple[str, int, int]:
        p = pointer
        while p and p not in self.overridden:
            if p in self.base.values or p in self.base.keys:
                return self.base.locate(p, key=key and p == pointer)
            p = p.rsplit("/", 1)[0]
        if p:
            return self.base.locate(self.origin + pointer[len(self.into):], key=key)
        return self.base.locate(pointer, key=key)

    def locate_field(self, pointer: str) -> tuple[str, int, int]:
        p = pointer
        while p and p not in self.overridden:
            if p in self.base.values or p in self.base.keys:
                return self.base.locate(p, key=True)
            p = p.rsplit("/", 1)[0]
        if p:
            return self.base.locate(self.origin + pointer[len(self.into):], key=True)
        return self.base.locate(pointer, key=True)
