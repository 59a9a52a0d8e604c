"""Advisories of a case: drafts, CSAF 2.0 documents, CSAF import and the published pages."""
