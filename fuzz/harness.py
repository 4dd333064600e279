"""One fuzz target under atheris: `python fuzz/harness.py NAME [libFuzzer options] [DIRS]`."""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent))

with atheris.instrument_imports(include=["minehunt"]):
    import targets

    TARGETS = targets.load()


def main() -> None:
    name = sys.argv.pop(1)
    target = TARGETS[name]

    def one(data: bytes) -> None:
        target(data)

    atheris.Setup(sys.argv, one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
