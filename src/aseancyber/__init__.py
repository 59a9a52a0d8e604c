"""aseancyber: the ASEAN cybersecurity cooperation platform."""

__version__ = "0.1.0"
