"""Factories for the cases tests (each test module imports them): clients, cases, user ids, tokens."""

import pytest


@pytest.fixture
def api_token(api_token):
    """The foundation's token fixture, memoised per tenant and role (the token endpoint is rate limited)."""
    cache: dict = {}

    def get(fx, role: str = "owner") -> dict:
        key = (fx.slug, role)
        if key not in cache:
            cache[key] = api_token(fx, role)
        return cache[key]

    return get


@pytest.fixture
def user_id(app):
    """The user id of `role` in a tenant fixture."""

    def get(fx, role: str) -> int:
        from sqlalchemy import select

        from core.extensions import db
        from tenants.models import User

        with app.app_context():
            return db.session.scalar(select(User.id).where(User.email == fx.users[role]))

    return get


@pytest.fixture
def make_client(client, api_token):
    """Factory: POST /api/v1/clients in a tenant; returns the JSON."""

    def make(fx, role: str = "case_manager", **fields) -> dict:
        body = {
            "first_name": "Anna",
            "last_name": "Muster",
            "birth_year": 1990,
            "children": [{"birth_year": 2016}, {"birth_year": 2020}],
            **fields,
        }
        r = client.post("/api/v1/clients", json=body, headers=api_token(fx, role))
        assert r.status_code == 201, r.json
        return r.json

    return make


@pytest.fixture
def make_case(client, api_token, make_client, user_id):
    """Factory: a client and a case of `role`'s user (default: the case manager); returns the case JSON."""

    def make(fx, role: str = "case_manager", manager_role: str = "case_manager", **fields) -> dict:
        c = make_client(fx, role)
        body = {
            "client_id": c["id"],
            "case_manager_id": user_id(fx, manager_role),
            "opened_on": "2026-01-05",
            **fields,
        }
        r = client.post("/api/v1/cases", json=body, headers=api_token(fx, role))
        assert r.status_code == 201, r.json
        return r.json

    return make


def advance(client, headers, case_id: int, *phases: str):
    """PATCH the case through `phases` one by one, asserting each step works."""
    for phase in phases:
        r = client.patch(f"/api/v1/cases/{case_id}", json={"status": phase}, headers=headers)
        assert r.status_code == 200, r.json
