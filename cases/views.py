"""Pages of cases/ (filled in by its issue)."""
from tenants.web import tenant_blueprint

bp = tenant_blueprint("cases", __name__)
