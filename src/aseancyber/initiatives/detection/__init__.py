"""Duplicate detection between initiatives: the pure index and its scoring, the shipped
glossary and vocabulary, the live index kept beside the database, whole-registry runs,
what coordinators' decisions teach it, and its evaluation on a labelled set."""
