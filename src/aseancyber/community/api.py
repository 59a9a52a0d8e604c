"""Community REST routes (placeholder)."""

from fastapi import APIRouter

router = APIRouter()
