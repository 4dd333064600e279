"""What a check is: its metadata, its evidence category, and the helper the groups use."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from minehunt.model import CheckId, Confidence, Severity


class Category(enum.StrEnum):
    """Independent kinds of evidence; the correlator trusts agreement across categories."""

    IDENTITY = "identity"  # what the program calls itself or looks like
    CMDLINE = "cmdline"  # what it was told to do
    CONFIG = "config"  # configuration it reads
    LOCATION = "location"  # where it runs from
    BEHAVIOUR = "behaviour"  # what it does (CPU)
    NETWORK = "network"  # whom it talks to
    CONTENT = "content"  # what a file contains
    PERSISTENCE = "persistence"  # how it survives reboots
    TAMPERING = "tampering"  # how the system was changed for or by it
    MEMORY = "memory"  # what its memory holds


@dataclass(frozen=True)
class Check:
    """Metadata of one check."""

    id: CheckId
    """Stable identifier, e.g. MH-PROC-002."""
    title: str
    """Short title, as in docs/detections.md."""
    severity: Severity
    """Severity when this is the only evidence about a target."""
    confidence: Confidence
    """Confidence when this is the only evidence about a target."""
    category: Category
    """Which independent kind of evidence this is."""
    attack: tuple[str, ...]
    """MITRE ATT&CK technique ids."""
    description: str
    """What the check looks for and why it matters."""


def make(
    id: str,
    title: str,
    severity: Severity,
    confidence: Confidence,
    category: Category,
    attack: tuple[str, ...],
    description: str,
) -> Check:
    return Check(CheckId(id), title, severity, confidence, category, attack, description)


S, C, K = Severity, Confidence, Category
T1496 = ("T1496",)
