"""core.rendering: the template fast paths give exactly what Flask, Flask-Babel and Jinja give (issue 9)."""
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest


def _plain_jinja():
    """An environment with Jinja's own new-style gettext over Flask-Babel (what the app's templates had before);
    not an overlay of the app's, which would share (and overwrite) its globals."""
    from flask_babel import get_translations
    from jinja2 import Environment

    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    env.install_gettext_callables(lambda s: get_translations().ugettext(s),
                                  lambda s, p, n: get_translations().ungettext(s, p, n), newstyle=True)
    return env


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize("source", [
    '{{ _("Cases") }}',
    '{{ _("Page %(page)s of %(pages)s", page=2, pages="<b>3</b>") }}',
    '{{ gettext("No cases found.") }}',
    '{{ ngettext("%(num)d case", "%(num)d cases", 1) }}|{{ ngettext("%(num)d case", "%(num)d cases", 7) }}',
    '{{ _("100 %% sure <%(x)s>", x="&") }}',
    '{% trans n=3 %}{{ n }} things{% endtrans %}',
])
def test_template_translations_are_those_of_jinja_and_flask_babel(app, source, lang):
    with app.test_request_context(f"/?lang={lang}"):
        fast = app.jinja_env.from_string(source).render()
        plain = _plain_jinja().from_string(source).render()
    from core.rendering import template_gettext

    assert app.jinja_env.globals["_"] is template_gettext  # the fast path is what was compared
    assert fast == plain
    if lang == "de" and "Cases" in source:
        assert fast == "Fälle"


def test_without_autoescaping_variables_are_not_escaped(app):
    env = app.jinja_env.overlay(autoescape=False)
    with app.test_request_context("/?lang=de"):
        assert env.from_string('{{ _("Page %(page)s of %(pages)s", page="<1>", pages=2) }}').render() \
            == "Seite <1> von 2"
        escaped = app.jinja_env.from_string('{{ _("Page %(page)s of %(pages)s", page="<1>", pages=2) }}').render()
    assert escaped == "Seite &lt;1&gt; von 2"


def test_force_locale_switches_the_remembered_translations(app):
    from flask_babel import force_locale, gettext, lazy_gettext

    template = app.jinja_env.from_string('{{ _("Cases") }}')
    with app.test_request_context("/?lang=en"):
        assert template.render() == "Cases" and gettext("Cases") == "Cases"
        with force_locale("de"):
            assert template.render() == "Fälle" and str(lazy_gettext("Cases")) == "Fälle"
        assert template.render() == "Cases" and gettext("Cases") == "Cases"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_dates_are_formatted_as_flask_babel_does(app, lang):
    from flask_babel import format_date

    template = app.jinja_env.from_string(
        "{{ d | dateformat('medium') }}|{{ d | dateformat }}|{{ t | dateformat('long', False) }}")
    moment = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # a time is not remembered: Flask-Babel's own
    with app.test_request_context(f"/?lang={lang}"):
        for day in (date(2026, 3, 1), date(2026, 12, 31), date(2026, 3, 1)):
            expected = f"{format_date(day, 'medium')}|{format_date(day)}|{format_date(moment, 'long', False)}"
            assert template.render(d=day, t=moment) == expected
        assert template.render(d=date(2026, 3, 1), t=moment).startswith("01.03.2026|" if lang == "de" else "Mar 1")


def test_links_are_those_of_url_for(app):
    from flask import g, url_for

    calls = [
        ("cases.case", {"case_id": 5}),
        ("cases.case", {"case_id": 17}),
        ("cases.case", {"case_id": 5, "entries_page": 2}),
        ("cases.case", {"case_id": 5, "entries_page": 3, "timeline": "all"}),
        ("cases.case", {"case_id": 9, "_anchor": "services"}),
        ("cases.edit_service", {"case_id": 5, "entry_id": 81}),
        ("cases.edit_service", {"entry_id": 3, "case_id": 1}),
        ("cases.cases", {"page": 2, "q": "Krüger & Söhne", "status": None}),
        ("cases.cases", {"page": 4, "q": "x y"}),
        ("cases.cases", {"flag": True}),
        ("cases.cases", {"ids": [1, 2]}),
    ]
    with app.test_request_context("/"):
        g.tenant = SimpleNamespace(slug="alpha")
        env = app.jinja_env
        for endpoint, values in calls * 2:  # the second time from the remembered patterns
            fast = env.from_string("{{ url_for(endpoint, **values) }}").render(endpoint=endpoint, values=values)
            assert fast == str(env.from_string("{{ u }}").render(u=url_for(endpoint, **values)))
        g.tenant = SimpleNamespace(slug="beta")  # another tenant in the same app context: its own slug
        assert env.from_string("{{ url_for('cases.case', case_id=5) }}").render() == "/beta/cases/5"
