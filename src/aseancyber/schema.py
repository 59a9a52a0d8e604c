"""Imports every package's tables (through the manifests) so the metadata, and Alembic,
sees the whole schema."""

from types import ModuleType

from aseancyber.db import Base
from aseancyber.manifests import MANIFESTS

MODEL_MODULES: list[ModuleType] = [module for manifest in MANIFESTS for module in manifest.models]

__all__ = ["MODEL_MODULES", "Base"]
