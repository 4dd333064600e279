"""The detection harness (issue: detection that holds on samples nobody here has seen):
recall and false-positive rate per surface on corpora built independently of the rules.

    .venv/bin/python benchmarks/detection.py            # both surfaces
    .venv/bin/python benchmarks/detection.py web        # browser miners only
    .venv/bin/python benchmarks/detection.py scripts    # dropper scripts only

Each surface is its own script (`detection_web.py`, `detection_scripts.py`) with its own
options; this runs them one after the other and stops on the first failure.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SURFACES = {"web": "detection_web.py", "scripts": "detection_scripts.py"}


def main() -> int:
    wanted = sys.argv[1:] or list(SURFACES)
    for name in wanted:
        if name not in SURFACES:
            print(f"unknown surface {name!r}; one of {', '.join(SURFACES)}", file=sys.stderr)
            return 2
        print(f"== {name}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / SURFACES[name])], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
