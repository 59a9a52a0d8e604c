"""Routing findings to the responsible member state and its national CERT."""
