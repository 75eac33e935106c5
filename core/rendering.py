"""What templates call once per row, made cheap: translations, dates and links (issue 9).

A page of 50 service entries calls `_()` some 300 times, `url_for` 100 times and `dateformat` 50 times. Through
Flask-Babel and Jinja's i18n extension one `_()` costs three nested context calls and three look-ups of the
request's Babel state; `url_for` walks the URL map each time. `install(app)` puts faster equivalents in place,
with the same results:

- the request's translations are looked up once per locale and domain (`force_locale` and `refresh` still
  switch them: the memo is keyed by the very locale object Flask-Babel holds), for templates and for
  `gettext`/lazy strings in Python alike;
- `_`, `gettext` and `ngettext` in templates behave like Jinja's new-style gettext (always `%`-formatted,
  Markup when autoescaping) without its layers;
- `dateformat` of a `date` (not a datetime: no time zone) is formatted once per locale, format and day;
- `url_for` in templates builds a link once per endpoint and set of arguments and fills in the integers
  (ids, page numbers) of the following calls; anything unusual (`_anchor`, `_external`, …) is built as usual.
"""
from datetime import date

import flask_babel
from flask import Flask, g
from flask import url_for as flask_url_for
from jinja2 import pass_eval_context
from markupsafe import Markup


def _app_globals():
    """`g` itself (one look-up through the proxy instead of one per attribute), None outside an app context."""
    try:
        return g._get_current_object()
    except RuntimeError:
        return None


def _babel_state():
    """Flask-Babel's per-request namespace, if it exists (None outside an app context)."""
    plain = _app_globals()
    return None if plain is None else plain.__dict__.get("_flask_babel")


def _locale():
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    return locale if locale is not None else flask_babel.get_locale()


class RequestDomain(flask_babel.Domain):
    """Flask-Babel's domain whose translations are remembered for the request (per locale object)."""

    def get_translations(self):
        state = _babel_state()
        if state is not None:
            memo = getattr(state, "bn_translations", None)
            locale = getattr(state, "babel_locale", None)
            if memo is not None and locale is not None and memo[0] is locale and memo[1] is self:
                return memo[2]
        translations = super().get_translations()
        state = _babel_state()
        locale = getattr(state, "babel_locale", None) if state is not None else None
        if locale is not None:
            state.bn_translations = (locale, self, translations)
        return translations


def _translations():
    state = _babel_state()
    if state is not None:
        memo = getattr(state, "bn_translations", None)
        if (memo is not None and memo[0] is getattr(state, "babel_locale", None)
                and memo[1] is getattr(state, "babel_domain", None)):
            return memo[2]
    return flask_babel.get_translations()


@pass_eval_context
def template_gettext(eval_ctx, string, **variables):
    value = _translations().ugettext(string)
    if eval_ctx.autoescape:
        value = Markup(value)
    return value % variables  # always a format string, as Jinja's new-style gettext does


@pass_eval_context
def template_ngettext(eval_ctx, singular, plural, num, **variables):
    variables.setdefault("num", num)
    value = _translations().ungettext(singular, plural, num)
    if eval_ctx.autoescape:
        value = Markup(value)
    return value % variables


_DATES: dict = {}
_DATES_KEPT = 20_000


def template_dateformat(value=None, format=None, rebase=True):
    """Flask-Babel's `format_date`; a plain date is formatted once per locale and format."""
    if type(value) is not date:
        return flask_babel.format_date(value, format, rebase)
    key = (str(_locale()), format, value)
    text = _DATES.get(key)
    if text is None:
        if len(_DATES) >= _DATES_KEPT:
            _DATES.clear()
        text = _DATES[key] = flask_babel.format_date(value, format, rebase)
    return text


# stand-ins for integer arguments while a link's pattern is built: valid ids, and digits no slug has
_STAND_INS = tuple(2_147_000_000 + 4_711 * n for n in range(1, 9))


def template_url_for(endpoint, **values):
    """`url_for` for templates: the link's pattern is built once per request and arguments, the integers
    are filled in."""
    if any(key[:1] == "_" for key in values):
        return flask_url_for(endpoint, **values)
    numbers = [key for key, value in values.items() if type(value) is int]
    if not numbers or len(numbers) > len(_STAND_INS):
        return flask_url_for(endpoint, **values)
    plain = _app_globals()
    if plain is None:
        return flask_url_for(endpoint, **values)
    # the patterns hold what URL defaults added (the tenant's slug): kept for one tenant of one app context
    tenant = plain.__dict__.get("tenant")
    memo = plain.__dict__.get("bn_url_patterns")
    if memo is None or memo[0] is not tenant:
        memo = plain.bn_url_patterns = (tenant, {})
    patterns = memo[1]
    try:
        key = (endpoint, tuple((k, None if k in numbers else v) for k, v in values.items()))
        pattern = patterns.get(key)
    except TypeError:  # an argument that cannot be a key (a list)
        return flask_url_for(endpoint, **values)
    if pattern is None:
        pattern = patterns[key] = _pattern(endpoint, values, numbers)
    if pattern is False:
        return flask_url_for(endpoint, **values)
    return "".join(part if name is None else str(values[name]) for part, name in pattern)


def _pattern(endpoint, values: dict, numbers: list):
    """[(text, None) | ("", argument)] of the link, or False when a stand-in is not found exactly once."""
    stand_in = dict(zip(numbers, _STAND_INS, strict=False))
    built = flask_url_for(endpoint, **{k: stand_in.get(k, v) for k, v in values.items()})
    pieces = [(built, None)]
    for name, number in stand_in.items():
        marker = str(number)
        if built.count(marker) != 1:
            return False
        split = []
        for text, arg in pieces:
            if arg is None and marker in text:
                before, after = text.split(marker)
                split += [(before, None), ("", name), (after, None)]
            else:
                split.append((text, arg))
        pieces = split
    return [(text, arg) for text, arg in pieces if text or arg]


def install(app: Flask) -> None:
    """After Flask-Babel's `init_app`: the request domain and the template globals and filter above."""
    from core.extensions import babel

    babel.__dict__["domain_instance"] = RequestDomain()  # the default domain, in place of the cached_property's
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext,
                                 url_for=template_url_for)
    app.jinja_env.filters["dateformat"] = template_dateformat
