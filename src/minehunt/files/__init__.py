"""The file scanner: YARA-X rules over directory trees and the archives in them."""

from __future__ import annotations

from .archives import ArchiveLimits
from .scanner import FileScanOptions, scan_files

__all__ = ["ArchiveLimits", "FileScanOptions", "scan_files"]
