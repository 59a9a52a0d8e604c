"""Sovereign federation: TAXII 2.1 peers, pull, push and sync health."""
