"""Interoperability with MISP and OpenCTI: the MISP feed, MISP event import, OpenCTI markings."""
