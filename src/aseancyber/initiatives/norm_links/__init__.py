"""Initiatives and the norms: which norms and practical actions an initiative addresses, the
norms implementation states share (for the report), and the capacity-building programmes
of the OEWG survey export."""
