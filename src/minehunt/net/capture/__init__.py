"""Captures: pcap/pcapng files and live interfaces -> flow and DNS observations.

`prefilter` (+ `_prefilter.c`) is the compiled reader, `pcapfile` the libpcap fallback,
`packets` decodes frames, `bpf` builds the kernel/libpcap selection, `flows` is the flow
table feeding the Stratum parser, `scan` drives `scan pcap`, `live` drives `watch iface`.
"""

from __future__ import annotations

__all__: list[str] = []
