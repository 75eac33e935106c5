"""API of cases/ (filled in by its issue)."""

blueprints = ()
