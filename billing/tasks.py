"""Celery tasks of billing/ (thin: they call services)."""
