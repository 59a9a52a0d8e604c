"""Run every benchmark in turn (``make bench``); ``python -m benchmarks NAME`` runs one."""

import importlib
import sys

BENCHMARKS = [
    "foundation",
    "audit_list",
    "sharing",
    "cases",
    "case_actions",
    "csaf_provider",
    "norms",
    "contacts",
    "initiatives",
    "initiatives_quality",
    "initiatives_end_to_end",
    "initiatives_import",
    "positions",
    "matching",
    "federation",
    "misp",
    "routing",
    "ops",
    "load",
]
# Parts of a benchmark above, also runnable alone (``matching`` runs ``matching_logs``).
PARTS = ["matching_logs", "sharing_cpu"]


def main() -> None:
    names = sys.argv[1:] or BENCHMARKS
    for name in names:
        if name not in BENCHMARKS and name not in PARTS:
            choices = ", ".join([*BENCHMARKS, *PARTS])
            raise SystemExit(f"unknown benchmark {name!r}; choose from {choices}")
        module = importlib.import_module(f"benchmarks.{name}")
        module.main()


if __name__ == "__main__":
    main()
