"""The typed view of a RouterOS configuration that every source (export file, SSH, API)
produces and every router check reads."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["Action", "Entry", "Note", "RouterConfig", "menu_name"]


class Action(enum.StrEnum):
    """What a configuration line does to its menu."""

    ADD = "add"
    """Adds an item (``add ...``, or one item of a ``print``)."""
    SET = "set"
    """Changes an item or a singleton menu (``set ...``, ``/ip proxy set ...``)."""
    REMOVE = "remove"
    """Removes items."""
    OTHER = "other"
    """Any other console command (``enable``, ``unset``, ``move`` ...)."""


_YES = frozenset({"yes", "true"})


@dataclass(frozen=True)
class Entry:
    """One configuration item: a command line of an export or one row of a print."""

    menu: str
    """The menu path in console form, e.g. ``/ip firewall nat``."""
    action: Action
    """add, set, remove or another command."""
    props: Mapping[str, str]
    """Property values as the console spells them (quotes and escapes decoded)."""
    line: int | None = None
    """1-based line of the export (first line of a continued command); None for API rows."""
    selector: str | None = None
    """The item a ``set`` or ``remove`` names: ``telnet``, ``0`` or ``find name=admin``."""
    text: str = ""
    """The command as written (shortened), for evidence."""

    def get(self, key: str, default: str = "") -> str:
        return self.props.get(key, default)

    @property
    def disabled(self) -> bool:
        return self.props.get("disabled", "no").lower() in _YES

    def flag(self, key: str, default: bool = False) -> bool:
        """A yes/no property as a bool."""
        value = self.props.get(key)
        return default if value is None else value.lower() in _YES

    @property
    def name(self) -> str:
        """The item's name: its ``name`` property or the selector a ``set`` used."""
        name = self.props.get("name")
        if name:
            return name
        sel = self.selector or ""
        if sel.startswith("find "):
            for part in sel[5:].split():
                if part.startswith(("name=", "default-name=")):
                    return part.split("=", 1)[1].strip('"')
            return ""
        return sel


@dataclass(frozen=True)
class Note:
    """A non-entry result of parsing: header facts or a line that could not be read."""

    line: int | None
    """1-based line it is about."""
    reason: str | None = None
    """Why the line was skipped; None for header facts."""
    version: str | None = None
    """RouterOS version from the ``# ... by RouterOS x.y`` header."""
    software_id: str | None = None
    """``# software id = ...``."""
    model: str | None = None
    """``# model = ...``."""


@dataclass(frozen=True)
class RouterConfig:
    """The configuration of one router as far as the checks need it."""

    source: str
    """Where it was read: an export path or a device URL such as ``ssh://10.0.0.1:22``."""
    entries: tuple[Entry, ...] = ()
    """Entries of the menus the checks read, in order."""
    version: str | None = None
    """RouterOS version, when the export header or the device says it."""
    software_id: str | None = None
    """Software id from the export header."""
    model: str | None = None
    """Router model from the export header."""
    skipped: tuple[Note, ...] = ()
    """Lines or parts that could not be read, with the reason."""
    counters: Mapping[str, int] = field(default_factory=dict)
    """Lines, entries and menus seen."""
    live: bool = False
    """True when read from a device (print output present: files, users, DNS cache)."""

    def menu(self, name: str) -> list[Entry]:
        """Entries of one menu, in order."""
        return [e for e in self.entries if e.menu == name]

    def singleton(self, name: str) -> dict[str, str]:
        """Merged properties of a singleton menu (``/ip proxy``, ``/ip dns`` ...)."""
        merged: dict[str, str] = {}
        for e in self.menu(name):
            if e.action in (Action.SET, Action.ADD):
                merged.update(e.props)
        return merged

    def first_line(self, name: str) -> int | None:
        for e in self.menu(name):
            if e.line is not None:
                return e.line
        return None


def menu_name(path: str | Iterable[str]) -> str:
    """``/ip/firewall/nat``, ``ip firewall nat`` or its words -> ``/ip firewall nat``."""
    words = path.replace("/", " ").split() if isinstance(path, str) else list(path)
    return "/" + " ".join(w.lower() for w in words)
