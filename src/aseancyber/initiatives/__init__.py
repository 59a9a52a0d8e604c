"""Initiatives: the registry of cooperation and capacity-building initiatives, duplication
detection across sectoral bodies, coverage gaps, and the ministers' recommendations report."""
