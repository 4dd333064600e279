"""Container checks: images (MH-IMG-*) and deployment files (MH-DEPLOY-*)."""

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
        S.LOW,
        C.LOW,
        K.PERSISTENCE,
        ("T1496", "T1105", "T1610"),
        "A layer was built by a step that downloads and runs code (curl | sh), locks files "
        "with chattr or disables security tooling. Installers use curl | sh too, so alone it "
        "is low; next to miner files or a miner command it is the recipe of poisoned public "
        "images.",
    ),
    _c(
        "MH-DEPLOY-001",
        "Workload runs a miner",
        S.HIGH,
        C.HIGH,
        K.CMDLINE,
        ("T1496", "T1610"),
        "A Kubernetes workload, compose service or Dockerfile instruction runs a command, "
        "or sets a variable, naming a pool, stratum URL, wallet, miner program or miner "
        "options (base64-wrapped values decoded).",
    ),
    _c(
        "MH-DEPLOY-002",
        "Known miner image",
        S.HIGH,
        C.MEDIUM,
        K.IDENTITY,
        ("T1496", "T1610"),
        "A container, service or FROM line uses an image whose repository is named after "
        "mining software (xmrig, cpuminer ...).",
    ),
    _c(
        "MH-DEPLOY-003",
        "Workload can take over its node",
        S.LOW,
        C.MEDIUM,
        K.CONFIG,
        ("T1611", "T1610"),
        "A privileged container with the host's process namespace (hostPID) or the host's "
        "root, /etc, /root or container-runtime socket mounted writable: the recipe cluster "
        "campaigns use to leave the container and install miners on the node. Medium when "
        "it is all of privileged, hostPID and a writable host root; low otherwise (some "
        "node agents need part of it).",
    ),
    _c(
        "MH-DEPLOY-004",
        "Workload fetches and runs code",
        S.MEDIUM,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1496", "T1105", "T1053.007"),
        "A container's command downloads a script and pipes it to a shell (curl | sh, "
        "wget -O- | bash, /dev/tcp ...): in a CronJob or DaemonSet it re-infects every node "
        "on schedule. In a Dockerfile RUN step (where installers do this) it is low.",
    ),
)
