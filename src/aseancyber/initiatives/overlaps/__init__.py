"""Overlaps between initiatives: detection results and their review, coordinators' pair
decisions, merging a duplicate after review, and the notices and panel that announce them."""
