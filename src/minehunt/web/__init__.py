"""Websites: browser miners in pages, scripts and WebAssembly, statically and in Chromium.

Entry points:

- ``minehunt.web.scan.scan_urls`` - ``minehunt scan url`` (crawl, optional ``--browser``);
- ``minehunt.web.static.analyse_document`` - one HTML/JS/WASM document, no network (used by
  ``minehunt scan files`` on web roots);
- ``minehunt.web.wasm.analyse`` - the WebAssembly analyser (mining vs benign hashing).
"""

from __future__ import annotations

__all__ = ["scan", "static", "wasm"]
