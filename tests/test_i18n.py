"""The UI speaks German by default and English on request (Flask-Babel, catalogue in core/translations)."""
import re
from pathlib import Path

from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "core" / "translations" / "de" / "LC_MESSAGES"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def nav_labels(html: str) -> list[str]:
    match = re.search(r'<nav class="main"[^>]*>(.*?)</nav>', html, re.S)
    assert match, "no main navigation on the page"
    return [label.strip() for label in re.findall(r"<a [^>]*>([^<]+)</a>", match.group(1))]


def test_german_catalogue_is_compiled_and_current():
    """Is the compiled German catalogue (messages.mo, git-ignored) there and not older than messages.po?"""
    po, mo = CATALOGUE / "messages.po", CATALOGUE / "messages.mo"
    assert po.exists()
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
        "core/translations/de/LC_MESSAGES/messages.mo is missing or stale: "
        "run `.venv/bin/pybabel compile -d core/translations`")


def test_login_page_is_german_by_default(client):
    """Does a visitor without any language choice get the login page in German?"""
    html = text_of(client.get("/login"))
    assert '<html lang="de">' in html
    assert "<h1>Anmelden</h1>" in html
    assert "Passwort vergessen?" in html
    assert ">Bündnis (Adresse)</label>" in html
    assert ">E-Mail</label>" in html and ">Passwort</label>" in html
    assert "Log in" not in html and "Forgot your password?" not in html
    # the language switch offers the other language
    assert 'href="?lang=en"' in html and ">English</a>" in html


def test_lang_en_switches_to_english_and_sticks_for_the_session(client):
    """Does `?lang=en` switch to English, stay English on later pages, and `?lang=de` switch back?"""
    html = text_of(client.get("/login?lang=en"))
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html and "Forgot your password?" in html

    html = text_of(client.get("/login"))  # no parameter: the session remembers
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    html = text_of(client.get("/"))
    assert "Go to your alliance" in html and "Continue to log in" in html

    html = text_of(client.get("/login?lang=de"))
    assert "<h1>Anmelden</h1>" in html
    assert "<h1>Anmelden</h1>" in text_of(client.get("/login"))


def test_unknown_lang_parameter_falls_back_to_german(client):
    """Is an unsupported `?lang=` value ignored (German stays), rather than breaking the page?"""
    response = client.get("/login?lang=xx")
    assert response.status_code == 200
    assert "<h1>Anmelden</h1>" in text_of(response)


def test_tenant_navigation_is_german_after_login(client, tenant_a, login):
    """After logging in, are the navigation, role label and page of a tenant in German?"""
    login(client, tenant_a, "owner")
    response = client.get(f"/{tenant_a.slug}/", follow_redirects=True)
    assert response.status_code == 200
    html = text_of(response)
    labels = nav_labels(html)
    assert labels[0] == "Übersicht"
    assert {"Fälle", "Klient/innen", "Verträge", "Sozialleistungsträger", "Partner", "Mitglieder",
            "Änderungsprotokoll", "Einstellungen"} <= set(labels)
    assert "(Inhaber/in)" in html
    assert ">Abmelden</button>" in html
    assert 'aria-label="Hauptnavigation"' in html

    html = text_of(client.get(f"/{tenant_a.slug}/agencies/"))
    assert "<h1>Sozialleistungsträger</h1>" in html
    assert "Neuer Sozialleistungsträger" in html
    assert "Noch keine Sozialleistungsträger erfasst." in html


def test_member_navigation_follows_the_session_language(client, tenant_a, login):
    """Does a logged-in member who chooses English get English navigation, and only the entries of the role?"""
    login(client, tenant_a, "viewer")
    html = text_of(client.get(f"/{tenant_a.slug}/?lang=en", follow_redirects=True))
    labels = nav_labels(html)
    assert labels[0] == "Overview" and {"Cases", "Contracts", "Funding agencies"} <= set(labels)
    assert not {"Members", "Settings", "Audit log"} & set(labels)
    assert "(Viewer)" in html
    html = text_of(client.get(f"/{tenant_a.slug}/agencies/"))
    assert "<h1>Funding agencies</h1>" in html


def test_login_error_and_form_validation_are_german(client, tenant_a):
    """Are the app's own login error and the WTForms field messages shown in German?"""
    page = client.get("/login")
    response = client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": tenant_a.slug,
                                           "email": tenant_a.users["owner"], "password": "wrong-password"})
    assert response.status_code == 401
    html = text_of(response)
    assert "Bitte korrigieren Sie Folgendes" in html
    assert "E-Mail, Passwort oder Bündnis sind nicht korrekt." in html

    response = client.post("/login", data={"csrf_token": csrf_from(page.data), "tenant": tenant_a.slug,
                                           "email": "", "password": ""})
    html = text_of(response)
    assert "Dieses Feld wird benötigt." in html  # WTForms' own catalogue, domain "wtforms"


def test_flash_after_creating_an_agency_is_german(client, tenant_a, login):
    """Is the confirmation after creating a funding agency German, with the name filled into the placeholder?"""
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/agencies/new")
    assert "<h1>Neuer Sozialleistungsträger</h1>" in text_of(page)
    assert "Jugendamt (SGB VIII)" in text_of(page) and ">Kommune</option>" in text_of(page)
    response = client.post(f"/{tenant_a.slug}/agencies/new", data={
        "csrf_token": csrf_from(page.data), "name": "Jobcenter Kiel", "kind": "jobcenter",
        "leitweg_id": "04011000-1234512345-06"}, follow_redirects=True)
    html = text_of(response)
    assert "Sozialleistungsträger „Jobcenter Kiel“ angelegt." in html
    assert "<dt>Art</dt><dd>Jobcenter (SGB II)</dd>" in html


def test_audit_log_counts_events_with_german_plural(client, tenant_a, login):
    """Does the audit log use the German plural forms (1 Ereignis / n Ereignisse)?"""
    login(client, tenant_a, "owner")
    html = text_of(client.get(f"/{tenant_a.slug}/audit"))
    assert "<h1>Änderungsprotokoll</h1>" in html
    match = re.search(r"<p[^>]*>(\d+) (Ereignis|Ereignisse)</p>", html)
    assert match, "no German event count on the audit page"
    assert match.group(2) == ("Ereignis" if match.group(1) == "1" else "Ereignisse")


def test_password_reset_mail_is_german(client, tenant_a):
    """Is the password-reset e-mail (subject and body) written in German?"""
    from core.mail import outbox

    page = client.get("/password/forgot")
    assert "<h1>Passwort vergessen?</h1>" in text_of(page)
    response = client.post("/password/forgot", data={"csrf_token": csrf_from(page.data),
                                                      "email": tenant_a.users["viewer"]}, follow_redirects=True)
    assert "Falls die Adresse zu einem Konto gehört" in text_of(response)
    assert len(outbox) == 1
    assert outbox[0]["Subject"] == "Ihr Bündnisnetz-Passwort zurücksetzen"
    assert "innerhalb einer Stunde" in outbox[0].get_content()


def test_leitweg_error_is_german(client, tenant_a, login):
    """Is the field error for a Leitweg-ID with wrong check digits shown in German in the German UI?"""
    login(client, tenant_a, "owner")
    page = client.get(f"/{tenant_a.slug}/agencies/new")
    response = client.post(f"/{tenant_a.slug}/agencies/new", data={
        "csrf_token": csrf_from(page.data), "name": "Jobcenter Kiel", "kind": "jobcenter",
        "leitweg_id": "04011000-1234512345-07"})
    html = text_of(response)
    assert 'id="leitweg_id-error"' in html
    assert "The check digits do not match." not in html
    assert "Die Prüfziffern stimmen nicht." in html


def test_api_messages_follow_accept_language_and_default_to_english(client, tenant_a, api_token):
    """Does the API answer field errors in English by default and in German when asked?"""
    headers = api_token(tenant_a, "admin")
    body = {"name": "JC", "leitweg_id": "04011000-1234512345-07"}
    english = client.post("/api/v1/agencies", headers=headers, json=body).json
    german = client.post("/api/v1/agencies", headers={**headers, "Accept-Language": "de-DE,de;q=0.9"}, json=body).json
    assert english["errors"]["leitweg_id"] == ["The check digits do not match."]
    assert german["errors"]["leitweg_id"] == ["Die Prüfziffern stimmen nicht."]


def test_every_ui_string_has_a_german_translation():
    """Is any translatable string of the code or templates missing from the German catalogues (so shown in English)?"""
    from pathlib import Path

    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    packages = ["core", "tenants", "network", "cases", "contracts", "billing"]
    translated = set()
    for package in packages:
        po = root / package / "translations" / "de" / "LC_MESSAGES" / "messages.po"
        if po.exists():
            with po.open("rb") as f:
                translated |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id and m.string}
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "nav_item": (2,),
                "today_item": (2,), "first_step": (2,)}
    missing = set()
    for package in packages:
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                root / package, method_map, keywords=keywords,
                options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
            msgid = message if isinstance(message, str) else message[0]
            if msgid and msgid not in translated:
                missing.add(f"{package}: {msgid}")
    hint = "untranslated (add them to <package>/translations/de/LC_MESSAGES/messages.po):\n"
    assert not missing, hint + "\n".join(sorted(missing))
