"""One confirmation for every destructive or irreversible step of the pages (issue 14), with and without
JavaScript.

A destructive view calls `ask(...)` once it has loaded its object and checked the form, before it changes
anything:

    if (page := confirmation.ask(_("Member %(name)s will be removed …", name=…), button=_("Yes, remove"),
                                 cancel_url=url_for(…))) is not None:
        return page

A POST without `confirmed=1` changes nothing: it is answered with a page (status 200) that says what will
happen, naming the object, and repeats the posted fields as hidden inputs plus `confirmed=1`, with "Yes, …"
and "Cancel" (back to the object). With JavaScript the button's dialog (`data-confirm`, core/static/confirm.js)
adds `confirmed=1` itself and the page is skipped. The API is not concerned: its DELETE and POST stay as they
are.
"""
from flask import render_template, request
from flask_babel import gettext as _

FIELD = "confirmed"
_NOT_REPEATED = {"csrf_token", FIELD}  # the page's form brings its own token


def confirmed() -> bool:
    """Whether the request says yes to the step (the confirmation page's or the dialog's `confirmed=1`)."""
    return request.form.get(FIELD) == "1"


def ask(message: str, *, button: str, cancel_url: str, title: str | None = None, irreversible: bool = True,
        details: list[str] | None = None):
    """None if the POST is confirmed (go ahead), else the confirmation page to return instead of the step.

    `message` names the object and what happens to it; `irreversible` adds "This cannot be undone.";
    `details` are further lines (what stays, what else ends)."""
    if request.method != "POST" or confirmed():
        return None
    fields = [(name, value) for name, values in request.form.lists() if name not in _NOT_REPEATED
              for value in values]
    return render_template("confirm.html", title=title or _("Please confirm"), message=message,
                           details=details or [], irreversible=irreversible, button=button, cancel_url=cancel_url,
                           action=request.path, fields=fields, field=FIELD), 200
