"""Small JSON value checks shared by the mining-protocol classifiers."""

from __future__ import annotations

import re
from typing import Any

from minehunt.model import Confidence

HIGH, MEDIUM, LOW = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
_HEX = re.compile(r"[0-9a-fA-F]+")
HEX0X = re.compile(r"0x[0-9a-fA-F]+")


def is_hex(value: object, *lengths: int) -> bool:
    """A hex string, optionally of one of `lengths` characters."""
    if not isinstance(value, str) or _HEX.fullmatch(value) is None:
        return False
    return not lengths or len(value) in lengths


def is_hex0x(value: object, length: int) -> bool:
    """`0x` + exactly `length` hex digits (eth-proxy style)."""
    return isinstance(value, str) and len(value) == length + 2 and bool(HEX0X.fullmatch(value))


def as_str(value: object) -> str | None:
    """The value if it is a string."""
    return value if isinstance(value, str) else None


def as_text(value: object) -> str | None:
    """A JSON scalar id/job id as text; bools and containers are not ids."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value)
    return None


def as_num(value: object) -> float | None:
    """A JSON number (or numeric string) as float; bools are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def item(seq: list[Any], index: int) -> object:
    """`seq[index]`, or None past the end."""
    return seq[index] if len(seq) > index else None


def target_difficulty(target: str) -> float | None:
    """Difficulty implied by a CryptoNote target (4 or 8 little-endian bytes as hex)."""
    if not is_hex(target, 8, 16):
        return None
    value = int.from_bytes(bytes.fromhex(target), "little")
    if value == 0:
        return None
    top = 0xFFFFFFFF if len(target) == 8 else 0xFFFFFFFFFFFFFFFF
    return round(top / value, 3)
