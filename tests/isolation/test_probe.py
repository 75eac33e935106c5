"""The isolation probe: a member of tenant A tries every route that takes an object id with tenant B's ids.

It discovers the routes from the app's URL map, so routes added later are probed without editing this file; an id
argument it cannot fill must be registered (targets_<package>.py) or exempted with a reason, else it fails.
"""
import importlib
import pkgutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

import tests.isolation as isolation_pkg
from tests.isolation.targets import EXEMPT, MARKER, PLATFORM_ONLY, TARGETS

PROBED_METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


def _load_targets():
    for info in pkgutil.iter_modules([str(Path(isolation_pkg.__file__).parent)]):
        if info.name.startswith("targets_"):
            importlib.import_module(f"tests.isolation.{info.name}")


def _id_rules(app):
    for rule in app.url_map.iter_rules():
        args = set(rule.arguments) - {"slug"}
        if args:
            yield rule, args


def _make_objects(app, fx, needed):
    from core.extensions import db

    ids = {}
    with app.app_context(), fx.context():
        for arg in sorted(needed):
            ids[arg] = TARGETS[arg](fx)
            db.session.flush()
        db.session.commit()
    return ids


def _tenant_row_counts(app, fx):
    from core.extensions import db
    from core.models import TenantScoped

    counts = {}
    with app.app_context(), fx.context():
        for mapper in db.Model.registry.mappers:
            cls = mapper.class_
            if issubclass(cls, TenantScoped) and cls.__tablename__ != "audit_events":
                counts[cls.__tablename__] = db.session.scalar(select(func.count()).select_from(cls))
    return counts


def _forbidden_strings(tenant_b):
    return [MARKER, tenant_b.name, *tenant_b.users.values()]


@pytest.fixture
def probe_setup(app, client, tenant_a, tenant_b, login, api_token, no_csrf):
    _load_targets()
    rules = list(_id_rules(app))
    unknown = sorted({f"{rule.endpoint}: {', '.join(sorted(args - TARGETS.keys()))}"
                      for rule, args in rules if rule.endpoint not in EXEMPT and not args <= TARGETS.keys()})
    assert not unknown, ("Routes with id arguments the probe cannot fill; register a factory in "
                         f"tests/isolation/targets_<package>.py or exempt them with a reason: {unknown}")
    needed = set().union(*(args for rule, args in rules if rule.endpoint not in EXEMPT))
    ids = _make_objects(app, tenant_b, needed)
    login(client, tenant_a, "owner")
    headers = api_token(tenant_a, "owner")
    return rules, ids, needed, headers


def test_every_id_route_returns_404_for_another_tenants_ids(app, client, tenant_a, tenant_b, probe_setup):
    """Can a member (owner) of tenant A read, change or delete any of tenant B's objects through any route?"""
    rules, ids, _own_ids, headers = probe_setup
    before = _tenant_row_counts(app, tenant_b)
    forbidden = _forbidden_strings(tenant_b)
    adapter = app.url_map.bind("localhost")
    probed, failures = 0, []
    for rule, args in rules:
        if rule.endpoint in EXEMPT:
            continue
        values = {arg: ids[arg] for arg in args}
        is_api = rule.rule.startswith("/api/")
        slugs = [None] if is_api else [tenant_a.slug, tenant_b.slug]
        for method in sorted(set(rule.methods) & set(PROBED_METHODS)):
            for slug in slugs:
                path = adapter.build(rule.endpoint, {**values, **({"slug": slug} if slug else {})}, method=method)
                if is_api:
                    response = client.open(path, method=method, headers=headers, json={})
                else:
                    response = client.open(path, method=method, data={})
                probed += 1
                body = response.get_data(as_text=True)
                leaked = [s for s in forbidden if s in body]
                if response.status_code != 404 or leaked:
                    failures.append(f"{method} {path} -> {response.status_code} leaked={leaked}")
    assert probed > 0, "the probe probed nothing"
    assert not failures, "\n".join(failures)
    assert _tenant_row_counts(app, tenant_b) == before, "a probe request changed tenant B's data"


def test_lists_and_pages_without_ids_show_nothing_of_another_tenant(app, client, tenant_a, tenant_b, probe_setup):
    """Do tenant A's lists, overviews and API collections show anything of tenant B?"""
    rules, ids, _own_ids, headers = probe_setup
    forbidden = _forbidden_strings(tenant_b)
    adapter = app.url_map.bind("localhost")
    checked, failures = 0, []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or set(rule.arguments) - {"slug"} or rule.endpoint == "static":
            continue
        is_api = rule.rule.startswith("/api/")
        path = adapter.build(rule.endpoint, {} if is_api or "slug" not in rule.arguments else {"slug": tenant_a.slug})
        response = client.get(path, headers=headers if is_api else None)
        checked += 1
        leaked = [s for s in forbidden if s in response.get_data(as_text=True)]
        if leaked or response.status_code >= 500:
            failures.append(f"GET {path} -> {response.status_code} leaked={leaked}")
    assert checked > 5
    assert not failures, "\n".join(failures)


def test_the_same_routes_work_with_the_tenants_own_ids(app, client, tenant_a, probe_setup):
    """Control: with A's own ids the GET routes answer (so the 404s above come from isolation, not broken ids)."""
    rules, _ids, needed, headers = probe_setup
    own_ids = _make_objects(app, tenant_a, needed)
    adapter = app.url_map.bind("localhost")
    checked, failures = 0, []
    for rule, args in rules:
        if rule.endpoint in EXEMPT or "GET" not in rule.methods or rule.endpoint.startswith(PLATFORM_ONLY):
            continue
        values = {arg: own_ids[arg] for arg in args}
        is_api = rule.rule.startswith("/api/")
        path = adapter.build(rule.endpoint, {**values, **({} if is_api else {"slug": tenant_a.slug})})
        response = client.get(path, headers=headers if is_api else None)
        checked += 1
        if response.status_code not in (200, 302):
            failures.append(f"GET {path} -> {response.status_code}")
    assert checked > 0
    assert not failures, "\n".join(failures)
