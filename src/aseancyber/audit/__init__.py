"""The hash-chained audit log; ``audit.record`` appends an event inside the caller's unit."""

from aseancyber.audit.service import record, verify

__all__ = ["record", "verify"]
