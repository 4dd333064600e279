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
    _c(
        "MH-CLOUD-001",
        "Burst of GPU or very large instances",
        S.MEDIUM,
        C.MEDIUM,
        K.BEHAVIOUR,
        ("T1496", "T1578.002"),
        "A cloud principal launched (or tried to launch) GPU or very large instances: 8 or "
        "more, or 256 vCPUs or more, within an hour, or in 3 or more regions within an "
        "hour. Fewer launches are reported low (CI and ML jobs start a few).",
    ),
    _c(
        "MH-CLOUD-002",
        "Launches in regions the account never used",
        S.LOW,
        C.MEDIUM,
        K.LOCATION,
        ("T1496", "T1535"),
        "The burst's instances run in regions where the account had no activity before, in "
        "logs covering at least a day: attackers use unwatched regions.",
    ),
    _c(
        "MH-CLOUD-003",
        "Fresh credentials before the burst",
        S.MEDIUM,
        C.MEDIUM,
        K.PERSISTENCE,
        ("T1098.001", "T1078.004"),
        "An access key, login profile or service-account key was created for (or by, or "
        "from the address of) the principal in the day before its burst of launches.",
    ),
    _c(
        "MH-CLOUD-004",
        "GPU quota increase requested",
        S.LOW,
        C.MEDIUM,
        K.CONFIG,
        ("T1496",),
        "A request to raise the quota of GPU instances (AWS Service Quotas P/G instance "
        "codes, GCP GPU quota preferences): mining intrusions ask for room to launch.",
    ),
    _c(
        "MH-CLOUD-005",
        "Audit logging or threat detection switched off",
        S.MEDIUM,
        C.HIGH,
        K.TAMPERING,
        ("T1562.008",),
        "CloudTrail stopped or deleted, GuardDuty detector deleted or disabled, Security "
        "Hub disabled, flow logs or Config recorder removed; GCP log sinks deleted or "
        "disabled, Security Command Center settings removed.",
    ),
    _c(
        "MH-CLOUD-006",
        "Start-up script fetches a miner or names a pool",
        S.HIGH,
        C.HIGH,
        K.CONTENT,
        ("T1496", "T1059.004"),
        "The user data (AWS, base64-decoded) or startup-script (GCP) of a launch, launch "
        "template or metadata change names a pool, stratum URL, wallet or miner (high), or "
        "only downloads and runs code (low).",
    ),
    _c(
        "MH-CLOUD-007",
        "Firewall opened to mining ports",
        S.MEDIUM,
        C.MEDIUM,
        K.NETWORK,
        ("T1496", "T1562.007"),
        "A security group or VPC firewall rule was opened for a mining pool port (3333, "
        "4444, 5555, 14444 ...), ingress or egress. Web ports are not counted.",
    ),
)
