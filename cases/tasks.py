"""Celery tasks of cases/ (thin: they call services)."""
