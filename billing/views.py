"""Pages of billing/ (filled in by its issue)."""
from tenants.web import tenant_blueprint

bp = tenant_blueprint("billing", __name__)
