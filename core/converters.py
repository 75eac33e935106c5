"""URL converters."""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL integer; SQLite would overflow at 2**63 with a 500 instead of a 404


class BoundedIntConverter(IntegerConverter):
    """`<int:x>` that matches only ids a database row can have; anything else is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
