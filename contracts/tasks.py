"""Celery tasks of contracts/ (thin: they call services)."""
