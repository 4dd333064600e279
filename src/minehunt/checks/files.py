"""Files and memory: external rules, fileless code, and one check per bundled YARA rule."""

from __future__ import annotations

from minehunt import rules
from minehunt.checks.base import T1496 as _T1496
from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    # -- files and memory (MH-FILE-*, MH-MEM-*) ---------------------------------------------
    _c(
        "MH-FILE-001",
        "External YARA rule matched",
        S.MEDIUM,
        C.MEDIUM,
        K.CONTENT,
        _T1496,
        "A rule from a rule file given with --rules matched. Its severity and confidence "
        "come from the rule's metadata (severity, confidence), else medium; the rule's "
        "name and file are in the evidence.",
    ),
    _c(
        "MH-MEM-001",
        "Mining code in memory not backed by a file",
        S.HIGH,
        C.HIGH,
        K.MEMORY,
        ("T1496", "T1620"),
        "A miner-family or mining-algorithm rule matched process memory that no file on "
        "disk holds: an anonymous mapping, a memfd or a deleted file. Fileless droppers "
        "load miners this way so that no file scan can find them. A process whose memory "
        "matches the rules of five or more miner families at once holds detection "
        "signatures (another minehunt, a scanner, an editor with the rules open), not a "
        "miner: its memory matches are not used, and the scan lists it as skipped.",
    ),
    # MH-YARA-*: one check per bundled YARA rule, from the rule's metadata (rules.catalog
    # reads it from the .yar text without compiling). Titles and rows in detections.md
    # are generated: python -m minehunt.files.docgen
    *(
        _c(r.id, r.title, r.severity, r.confidence, K(r.category), r.attack, r.description)
        for r in rules.catalog()
    ),
    # -- end files and memory --
)
