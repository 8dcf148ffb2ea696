"""Customer forms, split like the views: directory (filters, import) and profile (edits)."""
