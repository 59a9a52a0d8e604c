"""Indicator matching: "have we seen any of this?" against the stored STIX indicators."""
