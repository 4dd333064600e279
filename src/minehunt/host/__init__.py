"""This host: processes, sockets, tampering, persistence and drop directories."""

from minehunt.host.scan import HostScanOptions, scan_host

__all__ = ["HostScanOptions", "scan_host"]
