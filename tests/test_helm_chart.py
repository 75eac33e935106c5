"""The Helm chart (helm/buendnisnetz), rendered offline with Helm's own library (helm-python-sdk: no helm binary,
no cluster) for several value sets; every rendered object is validated against the Kubernetes schemas that
kubernetes-validate ships (strict: unknown fields are errors). No database: these tests need none.
"""
import re
from pathlib import Path

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "buendnisnetz"
KUBE_VERSION = "1.37"  # the newest Kubernetes whose schemas kubernetes-validate ships
RELEASE, NAMESPACE = "bn", "buendnisnetz"
FULLNAME = f"{RELEASE}-buendnisnetz"

GENERATED_SECRETS = {"secrets": {"existingSecret": "", "env": {
    "DATABASE_URL": "postgresql+psycopg://bn_app:app@db:5432/bn",
    "CELERY_BROKER_URL": "redis://:pw@redis:6379/0",
    "MAIL_PASSWORD": "smtp-pw"}},
    "migrations": {"existingSecret": "", "databaseUrl": "postgresql+psycopg://bn_owner:owner@db:5432/bn"}}
VALUE_SETS = {
    "defaults": {},
    "ingress-off": {"ingress": {"enabled": False}},
    "wildcard-tls": {"ingress": {"host": "buendnisnetz.example.org", "wildcardHost": "*.example.org",
                                 "className": "nginx", "tls": {"enabled": True, "secretName": "wildcard-tls"}}},
    "monitoring-netpol": {"metrics": {"serviceMonitor": {"enabled": True, "labels": {"release": "prom"}}},
                          "networkPolicy": {"enabled": True, "egress": [
                              {"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}], "ports": [{"port": 5432}]}]}},
    "generated-secret": GENERATED_SECRETS,
    "no-autoscaling": {"web": {"autoscaling": {"enabled": False}, "replicas": 3,
                               "pdb": {"enabled": True, "minAvailable": 2}},
                       "worker": {"autoscaling": {"enabled": False}},
                       "persistence": {"existingClaim": "docs"}},
}
# Custom resources: no schema in kubernetes-validate; checked by hand below
CRD_KINDS = {("monitoring.coreos.com/v1", "ServiceMonitor")}


@pytest.fixture(autouse=True)
def _clean_database():
    """Replaces the suite's autouse database clean-up: the chart's tests touch no database."""
    yield


@pytest.fixture(scope="module")
def chart():
    loaded = helm.Chart.load(CHART)
    yield loaded
    loaded.close()


def render(chart, values=None, **options) -> dict[str, str]:
    options = {"name": RELEASE, "namespace": NAMESPACE, "is_install": True} | options
    return chart.render(values or {}, **options)


def objects(manifests: dict[str, str]) -> list[dict]:
    return [doc for path, text in sorted(manifests.items()) if not path.endswith(".txt")
            for doc in yaml.safe_load_all(text) if doc]


def by_kind(docs, kind) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind, name) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


def pod_specs(docs) -> dict[str, dict]:
    specs = {}
    for d in docs:
        if d["kind"] in ("Deployment", "Job"):
            specs[f"{d['kind']}/{d['metadata']['name']}"] = d["spec"]["template"]["spec"]
        elif d["kind"] == "Pod":
            specs[f"Pod/{d['metadata']['name']}"] = d["spec"]
    return specs


@pytest.fixture(scope="module")
def rendered(chart):
    return {name: render(chart, values) for name, values in VALUE_SETS.items()}


@pytest.fixture(scope="module")
def defaults(rendered):
    return objects(rendered["defaults"])


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_lint_is_clean_in_strict_mode(value_set):
    report = helm.lint(CHART, VALUE_SETS[value_set], strict=True, namespace=NAMESPACE,
                       kube_version=f"v{KUBE_VERSION}.0")
    assert report["errors"] == []
    # severity 2 = warning, 3 = error (1 = info, e.g. "icon is recommended")
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_every_rendered_object_is_valid_kubernetes(rendered, value_set):
    docs = objects(rendered[value_set])
    assert docs
    for doc in docs:
        if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
            assert doc["metadata"]["name"] and doc["spec"]
            continue
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"]), doc["metadata"]["name"]
    names = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert len(names) == len(set(names)), "two objects of one kind share a name"


def test_the_chart_has_the_expected_kinds(defaults):
    kinds = {d["kind"] for d in defaults}
    assert {"Deployment", "Service", "Job", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Ingress",
            "ConfigMap", "ServiceAccount", "PersistentVolumeClaim", "Pod"} <= kinds
    assert {d["metadata"]["name"] for d in by_kind(defaults, "Deployment")} == {
        f"{FULLNAME}-web", f"{FULLNAME}-worker", f"{FULLNAME}-beat"}
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"] for h in by_kind(defaults, "HorizontalPodAutoscaler")}
    assert set(hpas) == {f"{FULLNAME}-web", f"{FULLNAME}-worker"}
    assert hpas[f"{FULLNAME}-web"]["minReplicas"] == 2
    pdbs = {p["metadata"]["name"]: p["spec"] for p in by_kind(defaults, "PodDisruptionBudget")}
    assert set(pdbs) == {f"{FULLNAME}-web", f"{FULLNAME}-worker"}
    assert pdbs[f"{FULLNAME}-web"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    # with an HPA the Deployment leaves the replica count to it (an upgrade does not reset a scaled-out web)
    assert "replicas" not in one(defaults, "Deployment", f"{FULLNAME}-web")["spec"]


def test_without_autoscaling_the_replicas_are_fixed(rendered):
    docs = objects(rendered["no-autoscaling"])
    assert by_kind(docs, "HorizontalPodAutoscaler") == []
    assert one(docs, "Deployment", f"{FULLNAME}-web")["spec"]["replicas"] == 3
    assert one(docs, "PodDisruptionBudget", f"{FULLNAME}-web")["spec"] == {
        "minAvailable": 2, "selector": one(docs, "PodDisruptionBudget", f"{FULLNAME}-web")["spec"]["selector"]}
    assert by_kind(docs, "PersistentVolumeClaim") == []
    volumes = one(docs, "Deployment", f"{FULLNAME}-worker")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "storage", "persistentVolumeClaim": {"claimName": "docs"}} in volumes


def test_beat_is_exactly_one_replica_recreated(rendered):
    for value_set in VALUE_SETS:
        beat = one(objects(rendered[value_set]), "Deployment", f"{FULLNAME}-beat")["spec"]
        assert beat["replicas"] == 1
        assert beat["strategy"] == {"type": "Recreate"}
    names = {h["spec"]["scaleTargetRef"]["name"] for h in by_kind(objects(rendered["defaults"]),
                                                                   "HorizontalPodAutoscaler")}
    assert f"{FULLNAME}-beat" not in names


def _env(container) -> dict:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def test_web_workers_share_one_metrics_directory(defaults):
    """gunicorn's workers each count; a scrape reaches one of them: the multiprocess directory (an emptyDir of the
    pod) lets every scrape see the sum."""
    pod = one(defaults, "Deployment", f"{FULLNAME}-web")["spec"]["template"]["spec"]
    [web] = pod["containers"]
    assert _env(web)["PROMETHEUS_MULTIPROC_DIR"] == "/var/run/prometheus"
    assert {"name": "metrics", "mountPath": "/var/run/prometheus"} in web["volumeMounts"]
    assert {"name": "metrics", "emptyDir": {}} in pod["volumes"]


def test_the_migration_job_is_a_pre_install_and_pre_upgrade_hook_as_the_owner_role(defaults):
    job = one(defaults, "Job", f"{FULLNAME}-migrate")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert annotations["helm.sh/hook-delete-policy"] == "before-hook-creation"
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    env = _env(container)
    assert env["MIGRATIONS_DATABASE_URL"] == {"secretKeyRef": {"name": "buendnisnetz-migrations",
                                                               "key": "MIGRATIONS_DATABASE_URL"}}
    # the runtime Secret too: DATABASE_URL names the role that the migrations grant to
    assert {"secretRef": {"name": "buendnisnetz-env"}} in container["envFrom"]
    # a hook runs before the release's ConfigMap exists: the settings come inline
    assert env["APP_ENV"] == "production"
    assert not any("configMapRef" in source for source in container["envFrom"])


def test_the_owner_role_reaches_no_runtime_pod(rendered):
    for value_set in VALUE_SETS:
        docs = objects(rendered[value_set])
        for name, spec in pod_specs(docs).items():
            if name.startswith("Job/"):
                continue
            for container in spec["containers"]:
                assert "MIGRATIONS_DATABASE_URL" not in _env(container), name
                refs = {s.get("secretRef", {}).get("name") for s in container.get("envFrom", [])}
                assert "buendnisnetz-migrations" not in refs and f"{FULLNAME}-migrations" not in refs, name
        for config_map in by_kind(docs, "ConfigMap"):
            assert "MIGRATIONS_DATABASE_URL" not in config_map["data"]


def test_existing_secret_is_referenced_and_none_is_written(defaults):
    assert by_kind(defaults, "Secret") == []
    for name, spec in pod_specs(defaults).items():
        if name.startswith("Pod/"):
            continue
        for container in spec["containers"]:
            assert {"secretRef": {"name": "buendnisnetz-env"}} in container["envFrom"], name


def test_generated_secrets_are_hooks_made_before_the_migration(chart, rendered):
    docs = objects(rendered["generated-secret"])
    runtime = one(docs, "Secret", f"{FULLNAME}-env")
    owner = one(docs, "Secret", f"{FULLNAME}-migrations")
    assert owner["stringData"] == {"MIGRATIONS_DATABASE_URL": "postgresql+psycopg://bn_owner:owner@db:5432/bn"}
    data = runtime["stringData"]
    assert data["DATABASE_URL"] == "postgresql+psycopg://bn_app:app@db:5432/bn"
    assert data["MAIL_PASSWORD"] == "smtp-pw"
    assert len(data["SECRET_KEY"]) >= 32  # generated: production refuses a shorter one
    assert "STRIPE_SECRET_KEY" not in data  # empty values are left out: the app's default applies
    job = one(docs, "Job", f"{FULLNAME}-migrate")
    for secret in (runtime, owner):
        annotations = secret["metadata"]["annotations"]
        assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
        assert int(annotations["helm.sh/hook-weight"]) < int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert _env(container)["MIGRATIONS_DATABASE_URL"]["secretKeyRef"]["name"] == f"{FULLNAME}-migrations"
    web = one(docs, "Deployment", f"{FULLNAME}-web")["spec"]["template"]
    assert {"secretRef": {"name": f"{FULLNAME}-env"}} in web["spec"]["containers"][0]["envFrom"]
    assert "checksum/secret" in web["metadata"]["annotations"]
    # without the runtime role's URL, or the owner's, the chart refuses to render
    for missing in ({"secrets": {"existingSecret": "", "env": {"CELERY_BROKER_URL": "redis://r"}}},
                    {"migrations": {"existingSecret": ""}}):
        with pytest.raises(helm.HelmRenderError, match="required"):
            render(chart, missing)


def test_web_probes_health_and_readiness(defaults):
    web = one(defaults, "Deployment", f"{FULLNAME}-web")["spec"]["template"]["spec"]["containers"][0]
    assert web["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert web["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert web["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert web["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]
    assert web["command"] == ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    assert _env(web)["PORT"] == "8000"
    service = one(defaults, "Service", f"{FULLNAME}-web")
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "web"


def test_worker_probes_ping_their_own_celery_node(defaults):
    worker = one(defaults, "Deployment", f"{FULLNAME}-worker")["spec"]["template"]["spec"]["containers"][0]
    assert worker["command"][:4] == ["celery", "-A", "core.celery_worker", "worker"]
    assert "--hostname=celery@%h" in worker["command"]  # the node name the probe pings
    for probe in ("livenessProbe", "readinessProbe"):
        command = worker[probe]["exec"]["command"]
        assert command[:2] == ["sh", "-c"]  # the shell expands $HOSTNAME
        assert command[2].startswith("celery -A core.celery_worker inspect ping -d celery@$HOSTNAME")
        assert worker[probe]["timeoutSeconds"] >= 10
    beat = one(defaults, "Deployment", f"{FULLNAME}-beat")["spec"]["template"]["spec"]["containers"][0]
    assert beat["command"][:4] == ["celery", "-A", "core.celery_worker", "beat"]
    assert "--schedule=/tmp/celerybeat-schedule" in beat["command"]  # the root file system is read-only
    # the app path the commands name (not imported here: importing it builds the app)
    assert "celery = " in ROOT.joinpath("core", "celery_worker.py").read_text()


def test_every_container_is_unprivileged_with_resources(rendered):
    for value_set in VALUE_SETS:
        for name, spec in pod_specs(objects(rendered[value_set])).items():
            assert spec["securityContext"]["runAsNonRoot"] is True, name
            assert spec["securityContext"]["runAsUser"] == 10001, name
            assert spec["automountServiceAccountToken"] is False, name
            for container in spec["containers"]:
                security = container["securityContext"]
                assert security["allowPrivilegeEscalation"] is False, name
                assert security["capabilities"] == {"drop": ["ALL"]}, name
                assert container["resources"]["requests"]["memory"], name
                assert container["resources"]["limits"]["memory"], name
                if name.startswith("Pod/"):
                    continue
                assert security["readOnlyRootFilesystem"] is True, name
                assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name
                assert _env(container)["HOME"] == "/tmp", name  # LibreOffice writes its profile there
            if not name.startswith("Pod/"):
                assert {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}} in spec["volumes"], name


def test_a_config_change_rolls_the_pods(chart, defaults):
    def checksums(docs):
        return {d["metadata"]["name"]: d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
                for d in by_kind(docs, "Deployment")}

    before = checksums(defaults)
    assert len(before) == 3
    assert checksums(objects(render(chart))) == before  # stable: an unchanged upgrade restarts nothing
    after = checksums(objects(render(chart, {"config": {"LOG_LEVEL": "DEBUG"}})))
    assert all(after[name] != before[name] for name in before)


def test_ingress_hosts_are_quoted_with_an_optional_wildcard_and_tls(rendered):
    assert by_kind(objects(rendered["ingress-off"]), "Ingress") == []
    docs = objects(rendered["wildcard-tls"])
    ingress = one(docs, "Ingress", FULLNAME)["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert [r["host"] for r in ingress["rules"]] == ["buendnisnetz.example.org", "*.example.org"]
    assert ingress["tls"] == [{"secretName": "wildcard-tls", "hosts": ["buendnisnetz.example.org", "*.example.org"]}]
    backend = ingress["rules"][1]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": f"{FULLNAME}-web", "port": {"name": "http"}}
    text = rendered["wildcard-tls"]["buendnisnetz/templates/ingress.yaml"]
    # quoted: a bare `*.example.org` would be a YAML alias
    assert '- host: "*.example.org"' in text and '- "*.example.org"' in text
    config = one(docs, "ConfigMap", f"{FULLNAME}-config")["data"]
    assert config["PUBLIC_BASE_URL"] == "https://buendnisnetz.example.org"


def test_service_monitor_and_network_policies_are_off_by_default(defaults, rendered):
    assert by_kind(defaults, "ServiceMonitor") == by_kind(defaults, "NetworkPolicy") == []
    docs = objects(rendered["monitoring-netpol"])
    monitor = one(docs, "ServiceMonitor", f"{FULLNAME}-web")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prom"
    assert monitor["spec"]["endpoints"] == [{"port": "http", "path": "/metrics", "interval": "30s",
                                             "scrapeTimeout": "10s"}]
    assert monitor["spec"]["selector"]["matchLabels"] == one(docs, "Service", f"{FULLNAME}-web")["spec"]["selector"]
    policies = {p["metadata"]["name"]: p["spec"] for p in by_kind(docs, "NetworkPolicy")}
    assert set(policies) == {f"{FULLNAME}-web", f"{FULLNAME}-no-ingress", f"{FULLNAME}-egress"}
    web = policies[f"{FULLNAME}-web"]
    assert web["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    assert len(web["ingress"][0]["from"]) == 3  # ingress controller, Prometheus, the helm test pod
    assert policies[f"{FULLNAME}-no-ingress"].get("ingress") is None  # worker and beat accept nothing
    egress = policies[f"{FULLNAME}-egress"]["egress"]
    assert {"port": 53, "protocol": "UDP"} in egress[0]["ports"]
    assert egress[-1]["to"] == [{"ipBlock": {"cidr": "10.0.0.0/8"}}]


def test_helm_test_pod_gets_healthz_through_the_service(defaults):
    pod = one(defaults, "Pod", f"{FULLNAME}-test-healthz")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    script = pod["spec"]["containers"][0]["command"][-1]
    service = one(defaults, "Service", f"{FULLNAME}-web")
    assert f"http://{FULLNAME}-web.{NAMESPACE}.svc:{service['spec']['ports'][0]['port']}/healthz" in script
    compile(script, "helm-test", "exec")  # the script is valid Python


def test_notes_render(rendered):
    notes = rendered["defaults"]["buendnisnetz/templates/NOTES.txt"]
    assert f"helm test {RELEASE}" in notes and "buendnisnetz-migrations" in notes
    assert "port-forward" in rendered["ingress-off"]["buendnisnetz/templates/NOTES.txt"]


def _readme_variables() -> list[str]:
    """Every variable of the README's configuration table."""
    table = ROOT.joinpath("README.md").read_text().split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = []
    for line in table.splitlines():
        if line.startswith("| `"):
            names += re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split("|")[1])
    return names


SECRET_VARIABLE = re.compile(r"DATABASE_URL|SECRET|PASSWORD|USERNAME|BROKER_URL|RESULT_BACKEND|STORAGE_URI")


def test_every_readme_variable_is_reachable(chart, defaults):
    variables = _readme_variables()
    assert {"DATABASE_URL", "SECRET_KEY", "APP_ENV", "CELERY_BROKER_URL", "MIGRATIONS_DATABASE_URL"} <= set(variables)
    secret_env = {v: f"secret-{v.lower()}" for v in variables
                  if SECRET_VARIABLE.search(v) and v != "MIGRATIONS_DATABASE_URL"}
    # "42" passes the schema's numeric patterns (TRUSTED_PROXIES)
    config = {v: "42" for v in variables if v not in secret_env and v != "MIGRATIONS_DATABASE_URL"}
    values = {"config": config, "secrets": {"existingSecret": "", "env": secret_env},
              "migrations": {"existingSecret": "", "databaseUrl": "postgresql+psycopg://owner@db/bn"}}
    docs = objects(render(chart, values))
    config_map = one(docs, "ConfigMap", f"{FULLNAME}-config")["data"]
    secret = one(docs, "Secret", f"{FULLNAME}-env")["stringData"]
    assert {k: config_map[k] for k in config} == config
    assert {k: secret[k] for k in secret_env} == secret_env
    assert "MIGRATIONS_DATABASE_URL" in one(docs, "Secret", f"{FULLNAME}-migrations")["stringData"]
    # the defaults keep credentials out of the ConfigMap
    default_config = one(defaults, "ConfigMap", f"{FULLNAME}-config")["data"]
    assert not [k for k in default_config if SECRET_VARIABLE.search(k)]
    assert default_config["APP_ENV"] == "production" and default_config["SESSION_COOKIE_SECURE"] == "true"


@pytest.mark.parametrize("bad", [
    {"web": {"replicas": "two"}},
    {"web": {"replicas": 0}},
    {"worker": {"autoscaling": {"maxReplicas": 1.5}}},
    {"config": {"SECRET_KEY": "in-a-configmap"}},  # credentials belong in the Secret
    {"secrets": {"env": {"MIGRATIONS_DATABASE_URL": "postgresql://owner@db/bn"}}},  # the owner stays apart
    {"ingress": {"wildcardHost": "example.org"}},
    {"ingress": {"tls": {"enabled": True, "secretName": ""}}},
    {"podSecurityContext": {"runAsNonRoot": False}},
    {"web": {"replica": 2}},  # a typo is refused, not ignored
])
def test_values_schema_refuses_bad_values(chart, bad):
    with pytest.raises(helm.HelmValuesError):
        chart.validate_schema(bad)
    with pytest.raises(helm.HelmValuesError, match="schema"):
        render(chart, bad)


def test_values_schema_requires_integer_web_replicas(chart):
    schema = chart.schema
    assert schema["properties"]["web"]["properties"]["replicas"] == {"type": "integer", "minimum": 1}
    assert "web" in schema["required"]
    with pytest.raises(helm.HelmValuesError, match="/web/replicas"):
        chart.validate_schema({"web": {"replicas": "two"}})
    chart.validate_schema({"web": {"replicas": 4}})
