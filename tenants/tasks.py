"""Celery tasks of tenants/ (thin: they call services)."""
