"""Tenancy infrastructure: the current tenant (context), the ORM wall (isolation) and the task base (tasks)."""
