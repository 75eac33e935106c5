"""Plausible data in the directory (issue 14): two service areas of one name would make every need, rate line and
report ambiguous; the second is refused at its name, naming it."""


def test_a_second_service_area_of_the_same_name_is_refused(client, tenant_a, api_token):
    h = {**api_token(tenant_a, "owner"), "Accept-Language": "de"}
    r = client.post("/api/v1/service-areas", json={"code": "language", "name": "Sprachkurs"}, headers=h)
    assert r.status_code == 201, r.json
    r = client.post("/api/v1/service-areas", json={"code": "language2", "name": " sprachkurs "}, headers=h)
    assert r.status_code == 422 and "name" in r.json["errors"], r.json
    assert "Sprachkurs" in r.json["errors"]["name"][0]


def test_renaming_a_service_area_to_a_taken_name_is_refused(app, tenant_a):
    import pytest

    from core.audit import Actor
    from core.extensions import db
    from core.problems import ServiceError
    from network import services

    with app.app_context(), tenant_a.context():
        area = services.create_service_area({"code": "language", "name": "Sprachkurs"}, Actor.system("test"))
        taken = services.list_service_areas()[0]
        assert taken.id != area.id
        with pytest.raises(ServiceError) as exc:
            services.update_service_area(area, {"name": taken.name.upper()}, Actor.system("test"))
        assert "name" in exc.value.errors
        services.update_service_area(area, {"name": "Sprachkurs B1"}, Actor.system("test"))  # its own, new name
        db.session.rollback()
