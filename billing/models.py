"""Models of billing/ (filled in by its issue)."""
