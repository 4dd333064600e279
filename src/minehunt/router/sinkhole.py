"""A RouterOS ``/ip dns static`` script that sinks every pool domain of the intel list,
for router admins: clients using the router as resolver cannot reach the pools by name."""

from __future__ import annotations

from minehunt.intel import Intel

__all__ = ["COMMENT", "sinkhole_script"]

COMMENT = "minehunt-sinkhole"
"""Every entry carries this comment, so re-running the script replaces the old ones."""


def _quote(text: str) -> str:
    """A console string literal: backslash, quote and ``$`` (variables) escaped."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("?", "\\?")
    return f'"{out}"'


def sinkhole_script(intel: Intel, *, routeros: int = 7, address: str = "0.0.0.0") -> str:
    """The script text. RouterOS 7 matches subdomains with ``match-subdomain=yes``;
    RouterOS 6 has no such flag, so each domain becomes a regexp entry."""
    domains = sorted(intel.pool_domains)
    lines = [
        f"# minehunt: sink {len(domains)} mining-pool domains (RouterOS {routeros}.x).",
        "# Import with: /import file-name=minehunt-sinkhole.rsc",
        "# Remove with: /ip dns static remove [find comment=" + _quote(COMMENT) + "]",
        "/ip dns static",
        "remove [find comment=" + _quote(COMMENT) + "]",
    ]
    for d in domains:
        if routeros >= 7:
            lines.append(
                f"add name={_quote(d)} address={address} match-subdomain=yes "
                f"comment={_quote(COMMENT)}"
            )
        else:
            rx = "(^|\\.)" + d.replace(".", "\\.") + "$"
            lines.append(f"add regexp={_quote(rx)} address={address} comment={_quote(COMMENT)}")
    return "\n".join(lines) + "\n"
