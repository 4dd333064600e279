"""Worker processes that hold the compiled rules, for scanning on every core.

The yara-x Python binding keeps the GIL while it scans (measured: two threads scan no
faster than one), so parallel scanning needs processes. Each worker gets the compiled
rules once, in yara-x's serialised form, and keeps one scanner. With ``jobs == 1`` work
runs inline in the calling process, with the same code.

A worker can hand part of its item to the others while it works (``hand_over``: the
members of a big archive it is still reading). Handed items travel through one queue to
the calling process, which queues them before the rest of the work as they arrive, not
when the worker's item is done; bulky data goes in a file of the pool's spool directory
(``spool``), so only its name travels.

The workers can be started before the rules are compiled (``start``, then ``use``); the
compiled rules then reach them in a file of the spool directory, loaded by each worker on
its first item. A calling process that runs one thread forks its workers: they start in
milliseconds with everything it imported. One that runs more (a progress bar's refresh
thread, yara-x's timeout thread after a scan) spawns them, as a fork copies locks other
threads may hold, never to be released in the child; a new Python process takes a few
tenths of a second to import what it needs, time the calling process spends compiling.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.queues import SimpleQueue
from typing import Any, Generic, TypeVar

from minehunt.rules import RuleSet

T = TypeVar("T")
R = TypeVar("R")

_RULES: RuleSet | None = None
_RULES_FILE: str | None = None
"""Where this worker's rules are, to load on first use (``RulePool.use`` wrote them)."""
_HANDED: SimpleQueue[Any] | None = None
"""Where this worker hands items over to the others (None: inline, nobody to hand to)."""
_HANDED_COUNT = 0
_SPOOL: str | None = None
"""Directory for data handed between workers (files removed as they are read; the
directory when the pool is left)."""

POLL = 0.01
"""Seconds between looks for handed-over items while waiting for results."""


def rules() -> RuleSet:
    """The rule set of this worker (or of the calling process, when inline)."""
    global _RULES
    if _RULES is None and _RULES_FILE is not None:
        with open(_RULES_FILE, "rb") as fh:
            data, sources, kinds, inputs, plus = pickle.load(fh)
        _RULES = RuleSet.from_bytes(data, sources, kinds, inputs)
        _RULES.adopt_plus(plus)
    if _RULES is None:
        raise RuntimeError("no rules loaded in this process")
    return _RULES


def spool(chunks: Iterable[bytes]) -> str | None:
    """Write ``chunks`` to a new file of the pool's spool directory, for the worker an item
    is handed to (``unspool``); None inline, or when the file cannot be written."""
    if _SPOOL is None:
        return None
    try:
        fd, path = tempfile.mkstemp(dir=_SPOOL)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "wb") as fh:
            for chunk in chunks:
                fh.write(chunk)
    except OSError:  # a full disk: the caller does the work itself
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None
    return path


def unspool(path: str) -> bytes:
    """The content of a spooled file, which is then removed."""
    with open(path, "rb") as fh:
        data = fh.read()
    os.unlink(path)
    return data


def hand_over(item: object) -> bool:
    """Give ``item`` to the pool for whichever worker is free; False when there is no pool
    (the caller does the work itself)."""
    global _HANDED_COUNT
    if _HANDED is None:
        return False
    _HANDED.put(item)
    _HANDED_COUNT += 1
    return True


def _init(
    rules_file: str,
    handed: SimpleQueue[Any],
    spool_dir: str,
    warm: Callable[[], object] | None,
) -> None:
    global _RULES, _RULES_FILE, _HANDED, _SPOOL
    _RULES = None  # a forked worker has the calling process's (inline) rules: not these
    _RULES_FILE = rules_file
    _HANDED = handed
    _SPOOL = spool_dir
    # A forked worker has the calling process's handlers (an agent's SIGTERM handler);
    # it ends as a spawned one would.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if warm is not None:
        warm()


THREAD_EXIT_WAIT = 0.1
"""Seconds to let a thread that was just joined leave the process (``start_method``)."""


def start_method() -> str:
    """ "fork" when this process runs a single thread (Linux tells), else "spawn".

    A thread Python has joined can still be listed for a moment while the system ends it
    (2 % of joins here): with no Python thread left, the count is read again for up to
    THREAD_EXIT_WAIT seconds. A thread that stays (yara-x's timeout thread) means spawn."""
    deadline = time.monotonic() + THREAD_EXIT_WAIT
    while True:
        try:
            threads = len(os.listdir("/proc/self/task"))
        except OSError:
            return "spawn"
        if threads == 1:
            return "fork"
        if threading.active_count() > 1 or time.monotonic() > deadline:
            return "spawn"
        time.sleep(0.002)


def _started() -> int:
    """Nothing: an item that makes the pool start a worker process."""
    return os.getpid()


def _run(fn: Callable[[T], R], item: T) -> tuple[R, int]:
    """``fn(item)`` in a worker, and how many items it handed over meanwhile."""
    global _HANDED_COUNT
    _HANDED_COUNT = 0
    return fn(item), _HANDED_COUNT


def _take(more: deque[T], source: Iterator[T]) -> list[T]:
    """The next item, from ``more`` first; [] when both are empty."""
    if more:
        return [more.popleft()]
    for item in source:
        return [item]
    return []


class _Relay:
    """Reads handed-over items from the workers' queue on a thread of the calling process,
    as they come: a worker putting one does not wait for the calling process to be done
    with its results, and the item can be given out at once."""

    def __init__(self, ctx: Any) -> None:
        self.queue: SimpleQueue[Any] = ctx.SimpleQueue()
        self.items: deque[Any] = deque()
        self.received = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="minehunt-relay", daemon=True)

    def start(self) -> None:
        """Start reading (after a fork of the workers: the thread must not exist then)."""
        self._thread.start()

    def _read(self) -> None:
        reader = self.queue._reader  # type: ignore[attr-defined]
        while not self._stop.is_set():
            if reader.poll(0.1):
                self.items.append(self.queue.get())
                self.received += 1

    def stop(self) -> None:
        """Stop reading (within a poll interval; not waited for: after a worker died mid-put
        the thread can be stuck in a read that never completes, and it is a daemon)."""
        self._stop.set()


class RulePool(Generic[T, R]):
    """Runs ``fn(item)`` for a stream of items on ``jobs`` processes, results as they come.

    ``ruleset`` None: the rules come later, by ``use``, before the first item; ``start``
    can start the workers meanwhile. ``warm`` runs in each worker as it starts (imports,
    for instance)."""

    def __init__(
        self,
        ruleset: RuleSet | None,
        fn: Callable[[T], R],
        jobs: int,
        on_crash: Callable[[T, BaseException], R],
        warm: Callable[[], object] | None = None,
    ) -> None:
        self._fn = fn
        self._on_crash = on_crash
        self._jobs = jobs
        self._warm = warm
        self._ruleset: RuleSet | None = None
        self._executor: ProcessPoolExecutor | None = None
        self._relay: _Relay | None = None
        self.method = ""
        """How the workers were started: "fork" or "spawn" (``start_method``); "" before."""
        self.spool_dir = tempfile.mkdtemp(prefix="minehunt-spool-") if jobs > 1 else None
        """Where workers put data they hand over; a scan of the trees holding it leaves it
        out (``Walker.exclude``). Removed when the pool is left."""
        self._rules_file = os.path.join(self.spool_dir, "rules") if self.spool_dir else ""
        self._expected = 0
        """Items the workers said they handed over (their results tell)."""
        if ruleset is not None:
            self.use(ruleset)

    def use(self, ruleset: RuleSet) -> None:
        """Scan with ``ruleset`` (and the ``plus`` sets compiled from it so far)."""
        self._ruleset = ruleset
        if self.spool_dir is None:
            return
        payload = (
            ruleset.to_bytes(),
            ruleset.sources,
            ruleset.kinds,
            ruleset.inputs,
            ruleset.compiled_plus(),
        )
        part = self._rules_file + ".part"
        with open(part, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(part, self._rules_file)  # whole, before any item can ask for it

    def start(self) -> None:
        """Start the worker processes now rather than with the first item."""
        if self.spool_dir is not None and self._executor is None:
            executor = self._start()
            for _ in range(self._jobs):  # one process is started per item none is free for
                executor.submit(_started)

    def _start(self) -> ProcessPoolExecutor:
        if self._executor is None:
            assert self.spool_dir is not None
            self.method = start_method()
            if self.method == "fork" and self._warm is not None:
                self._warm()  # once, here: every forked worker starts with it done
                self.method = start_method()  # unless the warm-up started a thread
            warm = None if self.method == "fork" else self._warm
            ctx = multiprocessing.get_context(self.method)
            relay = _Relay(ctx)
            self._expected = 0
            self._executor = ProcessPoolExecutor(
                max_workers=self._jobs,
                mp_context=ctx,
                initializer=_init,
                initargs=(self._rules_file, relay.queue, self.spool_dir, warm),
            )
            if self.method == "fork":
                # The executor forks every worker on its first item, before it starts its
                # own thread; the relay's thread starts after that.
                self._executor.submit(_started)
            relay.start()
            self._relay = relay
        return self._executor

    def imap(self, items: Iterable[T]) -> Iterator[R]:
        """``fn`` over ``items``, unordered; at most 2 x jobs items in flight. Items the
        workers hand over go before the rest of ``items``, and are waited for."""
        global _RULES
        if self._ruleset is None:
            raise RuntimeError("RulePool.use(ruleset) before imap")
        source = iter(items)
        if self.spool_dir is None:
            _RULES = self._ruleset
            for item in source:
                yield self._fn(item)
            return
        more: deque[T] = deque()
        pending: dict[Future[tuple[R, int]], T] = {}
        while True:
            self._relayed(more)
            while len(pending) < 2 * self._jobs and (got := _take(more, source)):
                pending[self._start().submit(_run, self._fn, got[0])] = got[0]
            if pending:
                yield from self._collect(pending)
            elif self._relay is not None and self._relay.received < self._expected:
                time.sleep(POLL)  # a handed-over item is still on its way
            else:
                return

    def _relayed(self, more: deque[T]) -> None:
        if self._relay is not None:
            items = self._relay.items
            while items:
                more.append(items.popleft())

    def _collect(self, pending: dict[Future[tuple[R, int]], T]) -> Iterator[R]:
        done, _ = wait(pending, timeout=POLL, return_when=FIRST_COMPLETED)
        broken = False
        for fut in done:
            item = pending.pop(fut)
            try:
                result, handed = fut.result()
            except BrokenProcessPool as e:  # a worker died (a crash, the OOM killer)
                broken = True
                yield self._on_crash(item, e)
                continue
            self._expected += handed
            yield result
        if broken:
            # Every other in-flight item died with the pool; report them and start anew.
            for fut, item in list(pending.items()):
                pending.pop(fut)
                yield self._on_crash(item, BrokenProcessPool("worker pool died"))
            self.close()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        if self._relay is not None:
            self._relay.stop()
            self._relay = None

    def __enter__(self) -> RulePool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        if self.spool_dir is not None:
            shutil.rmtree(self.spool_dir, ignore_errors=True)
