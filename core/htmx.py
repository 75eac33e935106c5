"""Pages that update in part (htmx): a list page answers an htmx request of its filter form with only its results.

The same URL without htmx renders the whole page, so a filtered list stays a link to share and works with
JavaScript off. htmx sends `HX-Request: true`; when it restores a page from the history (back button) or follows a
boosted link it needs the whole page, and says so with `HX-History-Restore-Request` or `HX-Boosted`.
"""
from flask import Response, get_flashed_messages, make_response, render_template, request


def partial_request() -> bool:
    """Whether this request comes from htmx and wants a part of the page, not the whole page."""
    headers = request.headers
    return (headers.get("HX-Request") == "true"
            and headers.get("HX-History-Restore-Request") != "true"
            and headers.get("HX-Boosted") != "true")


def render_page(template: str, partial: str, **context) -> Response:
    """The whole page (`template`), or for htmx only its results (`partial`, which the page includes).

    The partial carries the messages flashed while answering (an unreadable filter value), since the layout
    that shows them is not sent. The response varies by HX-Request, so that no cache hands out one for the other.
    """
    if partial_request():
        messages = get_flashed_messages(with_categories=True)
        body = render_template("_partial_messages.html", messages=messages) + render_template(partial, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body)
    response.vary.add("HX-Request")
    return response


def refresh_page(response: Response) -> Response:
    """Tell htmx to reload the whole page (e.g. a polled billing run has ended and its page now shows more)."""
    response.headers["HX-Refresh"] = "true"
    return response
