"""Threat-information sharing: STIX 2.1 store, TAXII 2.1 server, TLP 2.0 enforced."""
