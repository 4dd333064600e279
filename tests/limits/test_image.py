"""Image metadata at its limit: an index, manifest or config over 8 MiB makes the image
unreadable with the limit named (it is read no further), never a traceback."""

from __future__ import annotations

from pathlib import Path

from minehunt.cloud import image
from tests.conftest import run_cli


def test_an_index_over_the_metadata_limit_is_refused_by_name(tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    pad = " " * (image._MAX_JSON + 1 - len('{"manifests": []}'))
    (layout / "index.json").write_text('{"manifests": []}' + pad)
    r = run_cli("scan", "image", str(layout))
    assert r.code == 2, r.stderr
    assert "index.json is larger than 8 MiB" in r.stderr and "Traceback" not in r.stderr
    (layout / "index.json").write_text('{"manifests": []}')  # within the limit: read
    r = run_cli("scan", "image", str(layout))
    assert "index.json lists no manifest" in r.stderr
