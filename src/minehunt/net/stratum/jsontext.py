"""Cut a byte stream into top-level JSON objects by brace matching, without parsing them.

Splitting on braces rather than on newlines tolerates what real peers do: pipelined
messages in one segment, `\\r\\n` or no terminator at all, splits anywhere.
"""

from __future__ import annotations

import json
import re
from typing import Any

_STRUCT = re.compile(rb'[{}"]')
# A raw newline cannot occur inside a JSON string: seeing one there means the object was
# broken (a truncated or corrupt line), so the splitter drops it and resynchronises.
_IN_STRING = re.compile(rb'["\\\n]')


def loads(raw: bytes) -> Any:
    """Decode JSON; invalid UTF-8 is replaced, anything undecodable gives None."""
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        try:
            return json.loads(raw.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            return None
    except (ValueError, RecursionError):
        return None


class JsonSplitter:
    """Incremental splitter: feed bytes, get (stream offset, object bytes) pairs."""

    def __init__(self, *, max_object: int, base_offset: int = 0) -> None:
        self._max = max_object
        self._buf = bytearray()
        self._base = base_offset  # stream offset of _buf[0]
        self._pos = 0  # scan position in _buf
        self._start = -1  # start of the object being scanned, -1 between objects
        self._depth = 0
        self._in_string = False
        self.garbage = 0
        """Non-whitespace bytes seen between objects."""
        self._garbage_at_start = 0
        self.overflow = False
        """An object grew past `max_object`: splitting stopped for good."""
        self.garbage_before: list[int] = []
        """``garbage`` when each object the last `feed` returned began."""

    def feed(self, data: bytes | bytearray) -> list[tuple[int, bytes]]:
        """Append bytes; return the objects they complete."""
        self.garbage_before = []
        if self.overflow:
            return []
        buf = self._buf
        buf += data
        out: list[tuple[int, bytes]] = []
        i, n = self._pos, len(buf)
        while i < n:
            if self._depth == 0:
                j = buf.find(b"{", i)
                stop = n if j < 0 else j
                self.garbage += len(bytes(buf[i:stop]).strip())
                if j < 0:
                    i = n
                    break
                self._start, self._depth, i = j, 1, j + 1
                self._garbage_at_start = self.garbage
                continue
            if i - self._start > self._max:
                self.overflow = True
                break
            if self._in_string:
                m = _IN_STRING.search(buf, i)
                if m is None:
                    i = n
                    break
                if m.group() == b"\n":
                    self.garbage += m.end() - self._start
                    self._in_string, self._depth, self._start = False, 0, -1
                    i = m.end()
                    continue
                if m.group() == b"\\":
                    if m.end() >= n:
                        i = m.start()  # resume at the backslash once its escapee arrives
                        break
                    i = m.end() + 1
                else:
                    self._in_string, i = False, m.end()
                continue
            m = _STRUCT.search(buf, i)
            if m is None:
                i = n
                break
            i = m.end()
            char = m.group()
            if char == b'"':
                self._in_string = True
            elif char == b"{":
                self._depth += 1
            else:
                self._depth -= 1
                if self._depth == 0:
                    out.append((self._base + self._start, bytes(buf[self._start : i])))
                    self.garbage_before.append(self._garbage_at_start)
                    self._start = -1
        if self.overflow or (self._depth and n - self._start > self._max):
            self.overflow = True
            self._buf = bytearray()
            return out
        cut = self._start if self._depth else i
        del buf[:cut]
        self._base += cut
        self._pos = i - cut
        if self._depth:
            self._start = 0
        return out
