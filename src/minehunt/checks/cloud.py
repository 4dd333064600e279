"""Container image checks (MH-IMG-*): what an image's configuration and history say."""

from __future__ import annotations

from minehunt.checks.base import C, Check, K, S
from minehunt.checks.base import make as _c

CHECKS: tuple[Check, ...] = (
    _c(
        "MH-IMG-001",
        "Mining indicator in image configuration or history",
        S.HIGH,
        C.HIGH,
        K.CONFIG,
        ("T1496", "T1610"),
        "The image's Entrypoint/Cmd, environment, labels or a build step (history "
        "created_by) names a mining pool, stratum URL, wallet, miner program or miner "
        "options: the container is built to mine when it starts.",
    ),
    _c(
        "MH-IMG-002",
        "Dropper behaviour in an image build step",
        S.MEDIUM,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1496", "T1105", "T1610"),
        "A layer was built by a step that downloads and runs code (curl | sh), locks files "
        "with chattr or disables security tooling: the recipe of poisoned public images.",
    ),
)
