"""The one YARA-X rule set that serves files, process memory and web assets.

Bundled rules live in ``intel/rules/*.yar``; each carries metadata (id, family, kind,
severity, confidence, description, reference). External rule files (``--rules DIR``, the
community's sets) are compiled alongside in their own namespaces; their rules get an id
``EXT:<file>:<rule>`` and the severity their metadata states, else medium.

Every bundled rule is also a check in the registry (``checks.get("MH-YARA-070")``):
``catalog()`` reads the rules' metadata from the .yar text without compiling, so importing
the registry stays cheap.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yara_x

from minehunt import rulecache
from minehunt.model import Confidence, Severity

__all__ = [
    "KINDS",
    "RuleInfo",
    "RuleMatch",
    "RuleSet",
    "RulesError",
    "bundled",
    "catalog",
    "load",
]

DEFAULT_TIMEOUT = 30  # seconds per scanned buffer or file
_SEVERITIES = {s.value for s in Severity}
_CONFIDENCES = {c.value for c in Confidence}
KINDS = ("family", "config", "script", "web", "algorithm", "legit", "external")
# Which independent kind of evidence (checks.Category value) a rule of each kind gives.
_CATEGORY = {
    "family": "identity",
    "legit": "identity",
    "config": "config",
    "script": "content",
    "web": "content",
    "algorithm": "content",
    "external": "content",
}
_ATTACK: dict[str, tuple[str, ...]] = {
    "script": ("T1496", "T1059.004"),
    "web": ("T1496", "T1059.007"),
}
_TITLE_PREFIX = {"legit": "Mining software: "}


class RulesError(Exception):
    """A rule file could not be read or compiled; the message names the file and line."""


@dataclass(frozen=True)
class RuleInfo:
    """Metadata of one rule."""

    id: str
    """Check ID (MH-YARA-nnn) of a bundled rule; EXT:<namespace>:<rule> for external ones."""
    name: str
    """The rule identifier in the .yar file."""
    namespace: str
    """minehunt.<file> for bundled rules, the file stem for external ones."""
    family: str
    kind: str
    """One of KINDS."""
    severity: Severity
    confidence: Confidence
    description: str
    reference: str = ""
    short: str = ""
    """The rule's ``title`` metadata, if it has one."""

    @property
    def external(self) -> bool:
        return self.kind == "external"

    @property
    def title(self) -> str:
        """A short title for tables: ``title`` metadata, else the description's head."""
        if self.short:
            return _TITLE_PREFIX.get(self.kind, "") + self.short
        head = re.sub(r"\s*\([^)]*\)", "", self.description)
        head = re.split(r":|, ", head, maxsplit=1)[0].strip()
        return _TITLE_PREFIX.get(self.kind, "") + head

    @property
    def category(self) -> str:
        """The checks.Category value of this rule's evidence."""
        return _CATEGORY.get(self.kind, "content")

    @property
    def attack(self) -> tuple[str, ...]:
        return _ATTACK.get(self.kind, ("T1496",))


@dataclass(frozen=True)
class RuleMatch:
    """One rule that matched one buffer or file."""

    rule: RuleInfo
    offsets: tuple[int, ...]
    """Offsets of the first pattern matches (at most a few), for 'where' in evidence."""
    patterns: tuple[str, ...]
    """Identifiers of the patterns that matched."""


def _info(ns: str, name: str, meta: dict[str, object]) -> RuleInfo:
    external = ns != "default" and not ns.startswith("minehunt.")

    def text(key: str, default: str = "") -> str:
        return str(meta.get(key, default))

    sev_text = text("severity", "medium").lower()
    conf_text = text("confidence", "medium").lower()
    kind = "external" if external else text("kind", "family")
    return RuleInfo(
        id=text("id") if not external and meta.get("id") else f"EXT:{ns}:{name}",
        name=name,
        namespace=ns,
        family=text("family", "unknown"),
        kind=kind if kind in KINDS else "family",
        severity=Severity(sev_text) if sev_text in _SEVERITIES else Severity.MEDIUM,
        confidence=Confidence(conf_text) if conf_text in _CONFIDENCES else Confidence.MEDIUM,
        description=text("description", name),
        reference=text("reference"),
        short=text("title"),
    )


def _rule_info(rule: yara_x.Rule) -> RuleInfo:
    return _info(rule.namespace, rule.identifier, dict(rule.metadata))


class RuleSet:
    """Compiled rules plus their metadata; scanning is thread-safe (a scanner per thread).

    The yara-x Python binding holds the GIL while it scans, so parallel scanning needs
    processes: ``to_bytes``/``from_bytes`` ship compiled rules to pool workers.
    """

    def __init__(
        self,
        rules: yara_x.Rules,
        sources: Sequence[str],
        kinds: Collection[str] | None = None,
        inputs: Sequence[tuple[str, str, str]] = (),
        aux: Collection[str] = (),
        max_matches: int = 16,
    ) -> None:
        self._rules = rules
        self.sources = tuple(sources)
        self.kinds = frozenset(kinds) if kinds is not None else None
        """Only matches of rules of these kinds are reported (None: all)."""
        self.inputs = tuple(inputs)
        """(namespace, text, origin) of every rule file compiled, to compile them again."""
        self.aux = frozenset(aux)
        """Namespaces of helper rules (``plus``): never reported as matches."""
        self.max_matches = max_matches
        """Matches kept per pattern (a count in a condition never needs more here)."""
        self._local = threading.local()
        self._plus: dict[tuple[str, str, int], RuleSet] = {}
        self.infos: dict[tuple[str, str], RuleInfo] = {}
        for rule in rules:
            info = _rule_info(rule)
            self.infos[(info.namespace, info.name)] = info

    def __len__(self) -> int:
        return len(self.infos)

    def to_bytes(self) -> bytes:
        """The compiled rules in yara-x's serialised form (for worker processes)."""
        buf = io.BytesIO()
        self._rules.serialize_into(buf)
        return buf.getvalue()

    @classmethod
    def from_bytes(
        cls,
        data: bytes,
        sources: Sequence[str],
        kinds: Collection[str] | None = None,
        inputs: Sequence[tuple[str, str, str]] = (),
    ) -> RuleSet:
        return cls(yara_x.Rules.deserialize_from(io.BytesIO(data)), sources, kinds, inputs)

    def compiled_plus(self) -> tuple[tuple[tuple[str, str, int], bytes], ...]:
        """The ``plus`` rule sets compiled so far, serialised (for worker processes)."""
        return tuple((key, rs.to_bytes()) for key, rs in self._plus.items())

    def adopt_plus(self, compiled: Iterable[tuple[tuple[str, str, int], bytes]]) -> None:
        """Take ``plus`` rule sets another process compiled (``compiled_plus``)."""
        for (namespace, source, max_matches), data in compiled:
            rules = yara_x.Rules.deserialize_from(io.BytesIO(data))
            self._plus[(namespace, source, max_matches)] = self._helped(
                rules, namespace, max_matches
            )

    def _helped(self, rules: yara_x.Rules, namespace: str, max_matches: int) -> RuleSet:
        """A ``plus`` set: these rules' metadata, ``namespace`` never reported."""
        aux = self.aux | {namespace}
        return RuleSet(rules, self.sources, self.kinds, self.inputs, aux, max_matches)

    def plus(self, namespace: str, source: str, max_matches: int) -> RuleSet:
        """These rules with one more rule file compiled in, in ``namespace``: helper rules
        whose matches a caller reads from ``scan_file_results`` in the same pass over the
        bytes, never reported as rule matches. Compiled once per process."""
        key = (namespace, source, max_matches)
        out = self._plus.get(key)
        if out is None:
            # Every input but the helper has compiled before: any error is minehunt's own.
            inputs = (*self.inputs, (namespace, source, namespace))
            out = self._helped(_compiled(inputs, len(inputs)), namespace, max_matches)
            self._plus[key] = out
        return out

    def _scanner(self, timeout: int) -> yara_x.Scanner:
        sc: yara_x.Scanner | None = getattr(self._local, "scanner", None)
        if sc is None:
            sc = yara_x.Scanner(self._rules)
            sc.max_matches_per_pattern(self.max_matches)
            self._local.scanner = sc
        sc.set_timeout(timeout)
        return sc

    def _results(self, results: yara_x.ScanResults) -> list[RuleMatch]:
        out = []
        for rule in results.matching_rules:
            if rule.namespace in self.aux:
                continue
            info = self.infos.get((rule.namespace, rule.identifier)) or _rule_info(rule)
            if self.kinds is not None and info.kind not in self.kinds:
                continue
            offsets: list[int] = []
            names: list[str] = []
            for pat in rule.patterns:
                if pat.matches:
                    names.append(pat.identifier)
                    offsets.extend(m.offset for m in pat.matches[:2])
            out.append(RuleMatch(info, tuple(sorted(offsets)[:4]), tuple(names)))
        return out

    def scan(self, data: bytes, *, timeout: int = DEFAULT_TIMEOUT) -> list[RuleMatch]:
        """Matches in ``data``. Raises yara_x.TimeoutError / ScanError to the caller."""
        return self._results(self._scanner(timeout).scan(data))

    def scan_file(self, path: str | Path, *, timeout: int = DEFAULT_TIMEOUT) -> list[RuleMatch]:
        """Matches in a file (memory-mapped by YARA-X, not read into Python)."""
        return self._results(self._scanner(timeout).scan_file(str(path)))

    def scan_file_results(
        self, path: str | Path, *, timeout: int = DEFAULT_TIMEOUT
    ) -> tuple[list[RuleMatch], yara_x.ScanResults]:
        """``scan_file`` plus YARA-X's own results, where the helper rules' matches are."""
        results = self._scanner(timeout).scan_file(str(path))
        return self._results(results), results


def _bundled_sources() -> list[tuple[str, str]]:
    base = resources.files("minehunt.intel") / "rules"
    out = []
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yar"):
            out.append((f"minehunt.{entry.name.removesuffix('.yar')}", entry.read_text("utf-8")))
    return out


def _external_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files.extend(sorted(p for p in d.rglob("*") if p.suffix in (".yar", ".yara")))
        else:
            raise RulesError(f"{d}: no such rule file or directory")
    return files


def load(extra: Sequence[Path] = (), *, kinds: Collection[str] | None = None) -> RuleSet:
    """Bundled rules plus external rule files or directories of them.

    ``kinds`` limits the bundled rule files compiled (and matches reported) to rules of
    those kinds; external rules are kept when ``"external"`` is among them.
    """
    sources = []
    inputs: list[tuple[str, str, str]] = []
    for ns, text in _bundled_sources():
        if kinds is not None and not any(i.kind in kinds for i in _parse_meta(ns, text)):
            continue
        sources.append(ns)
        inputs.append((ns, text, ns))
    bundled_count = len(inputs)
    for path in _external_files(extra) if kinds is None or "external" in kinds else []:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise RulesError(f"{path}: cannot read: {e}") from e
        sources.append(str(path))
        inputs.append((path.stem, text, str(path)))

    return RuleSet(_compiled(inputs, bundled_count), sources, kinds, inputs)


_OPTIONS = {"relaxed_re_syntax": True}
"""The compiler's options; the rule cache names its entries by them too."""


def _compiled(inputs: Sequence[tuple[str, str, str]], bundled: int) -> yara_x.Rules:
    """The rules of ``inputs`` (namespace, text, origin), from the rule cache or compiled.
    A file that does not compile is a RulesError naming it; one of the first ``bundled`` is
    a bug in minehunt itself."""

    def build() -> yara_x.Rules:
        compiler = yara_x.Compiler(**_OPTIONS)
        for i, (ns, text, origin) in enumerate(inputs):
            compiler.new_namespace(ns)
            try:
                compiler.add_source(text, origin=origin)
            except yara_x.CompileError as e:
                if i < bundled:
                    raise RulesError(f"bundled rules {ns}: {e}") from e
                # yara-x names the origin with line and column: "--> rules/x.yar:5:14".
                raise RulesError(f"{origin}: does not compile:\n{e}") from e
        return compiler.build()

    return rulecache.compiled(inputs, repr(sorted(_OPTIONS.items())), build)


@cache
def bundled() -> RuleSet:
    """The bundled rule set, compiled once per process."""
    return load()


# -- metadata without compiling ----------------------------------------------------------------

_RULE_RE = re.compile(
    r"^\s*(?:(?:private|global)\s+)*rule\s+(\w+)[^{]*\{\s*meta\s*:(.*?)^\s*(?:strings|condition)\s*:",
    re.M | re.S,
)
_META_RE = re.compile(r'^\s*(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(-?\d+)|(true|false))\s*$', re.M)


def _parse_meta(ns: str, text: str) -> Iterator[RuleInfo]:
    """RuleInfo of every rule in ``text`` that has a meta section (regex, no compiling)."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    for m in _RULE_RE.finditer(text):
        meta: dict[str, object] = {}
        for k, s, i, b in _META_RE.findall(m[2]):
            meta[k] = s.encode().decode("unicode_escape") if s or not (i or b) else (i or b)
        yield _info(ns, m[1], meta)


@cache
def catalog() -> tuple[RuleInfo, ...]:
    """Metadata of every bundled rule, sorted by id; checks.py registers one check each."""
    infos = [i for ns, text in _bundled_sources() for i in _parse_meta(ns, text)]
    return tuple(sorted(infos, key=lambda i: i.id))
