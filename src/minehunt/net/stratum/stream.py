"""StreamParser: one direction of one connection, bytes in, mining messages out."""

from __future__ import annotations

from dataclasses import replace
from enum import Enum, auto

from minehunt.model import Confidence
from minehunt.net.stratum.http import (
    HttpHead,
    dechunk,
    parse_head,
    path_login,
    starts_like_http,
)
from minehunt.net.stratum.jsonrpc import Reply, classify
from minehunt.net.stratum.jsontext import JsonSplitter, loads
from minehunt.net.stratum.login import split_login
from minehunt.net.stratum.model import Dialect, Direction, MiningMessage
from minehunt.net.stratum.v2 import HEADER, classify_frame, parse_header, plausible_first_header
from minehunt.net.stratum.websocket import FrameDecoder, Opcode

Record = MiningMessage | Reply
JUNK_AFTER = 16
"""Units (objects, HTTP messages, frames) without any mining message before giving up."""
MAX_GARBAGE = 4096
"""Non-JSON bytes between JSON objects tolerated before a JSON stream counts as junk."""
_WHITESPACE = b" \t\r\n"
_GETWORK = (Dialect.GETWORK_HTTP, Dialect.ETH_PROXY)
"""Dialects spoken as JSON-RPC over HTTP, whose login can be the Basic-auth user or the path."""


class _Mode(Enum):
    DETECT = auto()
    JSON = auto()
    HTTP = auto()
    WEBSOCKET = auto()
    V2 = auto()
    JUNK = auto()


class StreamParser:
    """Incremental parser for one direction of one TCP connection or WebSocket.

    Detects the framing from the first bytes (JSON lines, HTTP, WebSocket after an upgrade,
    Stratum V2 binary frames) and never raises from `feed`.
    """

    def __init__(self, direction: Direction, *, max_buffer: int = 64 * 1024) -> None:
        self.direction = direction
        self._max = max_buffer
        self._mode = _Mode.DETECT
        self._buf = bytearray()
        self._base = 0  # stream offset of _buf[0]
        self._splitter: JsonSplitter | None = None
        self._ws: FrameDecoder | None = None
        self._head: HttpHead | None = None  # HTTP head whose body is awaited
        self._head_offset = 0
        self._skip = 0  # body/frame bytes to discard (over the limit, not needed)
        self._v2_frames = 0
        self._idle = 0
        self._text_offset = 0
        self._agent: str | None = None  # from the HTTP request that opened the stream
        self._host: str | None = None
        self._mining = False  # a mining message was seen here or (via Session) the other way
        self._hint: Dialect | None = None  # Stratum flavour, for ambiguous mining.* messages
        self._out: list[Record] = []

    @property
    def junk(self) -> bool:
        """True once the stream is clearly not a mining protocol: stop feeding it."""
        return self._mode is _Mode.JUNK

    def feed(self, data: bytes) -> list[MiningMessage]:
        """Parse the next bytes of the stream; return the mining messages they complete."""
        return [r for r in self._records(data) if isinstance(r, MiningMessage)]

    def feed_text(self, text: str) -> list[MiningMessage]:
        """Parse one whole text payload (a WebSocket text message, a logged payload).

        Offsets count the UTF-8 bytes of all texts fed so far.
        """
        return [r for r in self._text_records(text) if isinstance(r, MiningMessage)]

    # --- for Session ---------------------------------------------------------------------

    def _records(self, data: bytes) -> list[Record]:
        """Like `feed`, plus generic JSON-RPC replies a Session pairs with requests by id."""
        if self._mode is _Mode.JUNK or not data:
            return []
        self._out = []
        try:
            self._feed(bytes(data))
        except Exception:  # feed never raises: bytes that break a parser end the stream
            self._give_up()
        return self._out

    def _text_records(self, text: str) -> list[Record]:
        """Like `feed_text`, plus generic replies (see `_records`)."""
        if self._mode is _Mode.JUNK:
            return []
        self._out = []
        raw = text.encode("utf-8", "replace")
        try:
            splitter = JsonSplitter(max_object=self._max, base_offset=self._text_offset)
            found = splitter.feed(raw)
            if not found and raw.strip():
                self._unit(None)
            self._objects(found)
        except Exception:
            self._give_up()
        self._text_offset += len(raw)
        return self._out

    def _learn(self, hint: Dialect | None) -> None:
        """The conversation is mining (seen in either direction); share the Stratum flavour."""
        self._mining = True
        if hint is Dialect.ETHEREUM_STRATUM or self._hint is None:
            self._hint = hint

    # --- framing ---------------------------------------------------------------------------

    def _feed(self, data: bytes) -> None:
        if self._mode is _Mode.JSON:
            self._json(data)
            return
        if self._mode is _Mode.WEBSOCKET:
            self._websocket(data)
            return
        self._buf += data
        if self._mode is _Mode.DETECT:
            self._detect()
        if self._mode is _Mode.HTTP:
            self._http()
        elif self._mode is _Mode.V2:
            self._v2()
        if len(self._buf) > self._max and self._mode in (_Mode.HTTP, _Mode.V2):
            self._give_up()

    def _take(self, n: int) -> bytes:
        chunk = bytes(self._buf[:n])
        del self._buf[:n]
        self._base += n
        return chunk

    def _detect(self) -> None:
        start = len(self._buf) - len(self._buf.lstrip(_WHITESPACE))
        if start == len(self._buf):
            if start > self._max:
                self._give_up()
            return
        first = self._buf[start]
        if first == ord("{"):
            self._switch_to_json()
            return
        http = starts_like_http(self._buf[start:])
        if http:
            self._take(start)
            self._mode = _Mode.HTTP
        elif http is None or (start == 0 and first == 0 and len(self._buf) < HEADER):
            return  # not enough bytes to decide yet
        elif start == 0 and plausible_first_header(self._buf):
            self._mode = _Mode.V2
        else:
            self._give_up()

    def _switch_to_json(self) -> None:
        self._mode = _Mode.JSON
        self._splitter = JsonSplitter(max_object=self._max, base_offset=self._base)
        rest = self._take(len(self._buf))
        self._json(rest)

    def _json(self, data: bytes) -> None:
        assert self._splitter is not None
        splitter = self._splitter
        found = splitter.feed(data)
        for obj, garbage in zip(found, splitter.garbage_before, strict=True):
            # Where the stream crossed the garbage limit, not where this read ended: the
            # same bytes cut anywhere give the same messages.
            if garbage > MAX_GARBAGE and not self._mining:
                self._give_up()
                return
            self._objects([obj])
        if self._splitter is None:
            return
        if self._splitter.overflow or (self._splitter.garbage > MAX_GARBAGE and not self._mining):
            self._give_up()

    def _websocket(self, data: bytes) -> None:
        assert self._ws is not None
        for message in self._ws.feed(data):
            if message.opcode is Opcode.TEXT:
                text = message.payload.decode("utf-8", "replace").encode()
                splitter = JsonSplitter(max_object=self._max, base_offset=message.offset)
                found = splitter.feed(text)
                # Offsets inside a frame are not meaningful: use the frame start.
                found = [(message.offset, raw) for _, raw in found]
                if not found:
                    self._unit(None)
                self._objects(found)
            elif message.opcode is Opcode.BINARY:
                self._unit(None)
        if self._ws.error is not None:
            self._give_up()

    def _http(self) -> None:
        while self._mode is _Mode.HTTP and self._buf:
            if self._skip:
                self._skip -= len(self._take(self._skip))
                continue
            head = self._head
            if head is None:
                head = parse_head(self._buf)  # ValueError -> not HTTP -> junk via _records()
                if head is None:
                    return
                self._head = head
                self._head_offset = self._base
                self._take(head.size)
                if head.websocket:
                    self._http_message(head, None)
                    self._head = None
                    self._mode = _Mode.WEBSOCKET
                    self._ws = FrameDecoder(max_message=self._max, base_offset=self._base)
                    self._websocket(self._take(len(self._buf)))
                    return
            length = head.body_length()
            if head.chunked:
                got = dechunk(self._buf, self._max)
                if got is None:
                    return
                body, used = got
                self._take(used)
            elif length is None:
                # Body runs until the connection closes: read it as a JSON stream.
                self._http_message(head, None)
                self._head = None
                self._switch_to_json()
                return
            elif length > self._max:
                self._skip = length  # e.g. a getblocktemplate reply: the head is enough
                body = None
            elif len(self._buf) < length:
                return
            else:
                body = self._take(length)
            self._head = None
            self._http_message(head, body)

    def _http_message(self, head: HttpHead, body: bytes | None) -> None:
        off = self._head_offset
        if head.status is not None and head.status < 200 and not head.websocket:
            return  # 100 Continue and friends: the real response follows
        if head.method is not None:
            self._agent = head.header("user-agent")
            self._host = head.header("host")
        before = len(self._out)
        obj = loads(body) if body and body.lstrip()[:1] in (b"{", b"[") else None
        objects = obj if isinstance(obj, list) else [obj] if isinstance(obj, dict) else []
        for item in objects:
            if isinstance(item, dict):
                self._unit(classify(item, self.direction, off, self._hint))
        evidence = head.mining_headers()
        found = [r for r in self._out[before:] if isinstance(r, MiningMessage)]
        if evidence and not found:
            name = head.method or "response"
            self._unit(
                MiningMessage(
                    Dialect.GETWORK_HTTP,
                    self.direction,
                    name.lower(),
                    None,
                    off,
                    Confidence.MEDIUM,
                    f"HTTP {', '.join(evidence)} header",
                )
            )
        auth = head.basic_auth()
        in_path = path_login(head.target) if head.method is not None else None
        endpoint = head.stratum_endpoint() if head.status is not None else self._host
        for index in range(before, len(self._out)):
            record = self._out[index]
            if not isinstance(record, MiningMessage):
                continue
            if evidence and record.confidence is not Confidence.HIGH:
                record = replace(
                    record,
                    confidence=list(Confidence)[record.confidence.rank + 1],
                    reason=f"{record.reason} + {', '.join(evidence)}",
                )
            if auth and record.login is None and record.dialect is Dialect.GETWORK_HTTP:
                worker = record.worker or split_login(auth[0], auth[1]).worker
                record = replace(record, login=auth[0], password=auth[1], worker=worker)
            if in_path and record.login is None and record.dialect in _GETWORK:
                worker = record.worker or split_login(in_path).worker
                record = replace(record, login=in_path, worker=worker)
            agent = record.agent or (self._agent if head.method is not None else None)
            record = replace(record, endpoint=record.endpoint or endpoint, agent=agent)
            self._out[index] = record
        if objects or evidence or head.websocket or self._mining:
            return
        if "json" in (head.header("content-type") or "") and body is None:
            self._unit(None)  # a JSON body too large to keep (getblocktemplate): judge the next
        else:
            self._give_up()  # plain web traffic

    def _v2(self) -> None:
        while self._mode is _Mode.V2 and self._buf:
            if self._skip:
                self._skip -= len(self._take(self._skip))
                continue
            if len(self._buf) < HEADER:
                return
            ext, msg_type, length = parse_header(self._buf)
            if length > self._max:
                if not self._v2_frames:
                    self._give_up()
                    return
                self._take(HEADER)
                self._skip, self._v2_frames = length, self._v2_frames + 1
                self._unit(None)
                continue
            if len(self._buf) < HEADER + length:
                return
            off = self._base
            payload = self._take(HEADER + length)[HEADER:]
            message = classify_frame(ext, msg_type, payload, self.direction, off)
            if message is None and not self._v2_frames:
                self._give_up()  # the first frame must be SetupConnection or its answer
                return
            self._v2_frames += 1
            self._unit(message)

    # --- classification --------------------------------------------------------------------

    def _objects(self, found: list[tuple[int, bytes]]) -> None:
        for off, raw in found:
            if self._mode is _Mode.JUNK:
                break  # given up part-way: later objects count no more than if cut here
            obj = loads(raw)
            if isinstance(obj, dict):
                self._unit(classify(obj, self.direction, off, self._hint))
            else:
                self._unit(None)

    def _unit(self, record: Record | None) -> None:
        if self._mode is _Mode.JUNK:
            return
        if isinstance(record, MiningMessage):
            if self._mode is _Mode.WEBSOCKET and (self._agent or self._host):
                record = replace(
                    record,
                    agent=record.agent or self._agent,
                    endpoint=record.endpoint or self._host,
                )
            if record.dialect is Dialect.ETHEREUM_STRATUM:
                self._hint = Dialect.ETHEREUM_STRATUM
            elif record.dialect is Dialect.STRATUM_V1 and self._hint is None:
                self._hint = Dialect.STRATUM_V1
            self._mining = True
            self._out.append(record)
            return
        if record is not None:
            self._out.append(record)
        if not self._mining:
            self._idle += 1
            if self._idle >= JUNK_AFTER:
                self._give_up()

    def _give_up(self) -> None:
        self._mode = _Mode.JUNK
        self._buf = bytearray()
        self._splitter = None
        self._ws = None
