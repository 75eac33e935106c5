"""Models of billing/: billing runs, invoices and what they billed; none is stored yet (the efficiency report
needs no table of its own)."""
