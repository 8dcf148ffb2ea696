"""Registering a customer and the 360° profile with its in-place edits."""

from __future__ import annotations
