"""The shell's own pages: the dashboard."""

from fastapi import APIRouter

router = APIRouter()
