"""API of billing/: billing runs and invoices (API.md `/billing/runs`, `/invoices`); none is served yet."""

blueprints = ()
