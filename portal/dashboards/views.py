"""The dashboards' pages (filled in below)."""
