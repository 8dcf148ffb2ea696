"""Approval pages."""
