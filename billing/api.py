"""API of billing/ (filled in by its issue)."""

blueprints = ()
