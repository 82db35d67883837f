"""The dashboard (server-rendered Jinja2 + HTMX): filled in by the next commit."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
