"""Run every benchmark in turn (``make bench``); ``python -m benchmarks NAME`` runs one."""

import importlib
import sys

BENCHMARKS = [
    "foundation",
    "sharing",
    "cases",
    "case_actions",
    "norms",
    "contacts",
    "initiatives",
    "initiatives_import",
    "positions",
    "matching",
    "federation",
    "routing",
    "load",
]


def main() -> None:
    names = sys.argv[1:] or BENCHMARKS
    for name in names:
        if name not in BENCHMARKS:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()


if __name__ == "__main__":
    main()
