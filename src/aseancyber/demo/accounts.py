"""The one password of every demo account (published on purpose: demo accounts only)."""

DEMO_PASSWORD = "asean-demo-2026"  # noqa: S105 - published on purpose: demo accounts only
