"""Scores of a case's vulnerabilities: CVSS 4.0, SSVC decisions and EPSS."""
