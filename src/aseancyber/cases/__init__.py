"""Multi-party coordination of critical-infrastructure vulnerabilities and incidents (CSAF 2.0)."""
