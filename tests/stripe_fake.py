"""A fake Stripe for the tests: localstripe (customers, payment methods, plans, subscriptions, signed webhooks) in a
subprocess on a free port, and in front of it a small stand-in that answers what localstripe lacks (Checkout
Sessions, the Billing Portal) in Stripe's shape and records those requests. Import the fixtures into a test module.
"""
import hashlib
import hmac
import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

SECRET_KEY = "sk_test_buendnisnetz"
WEBHOOK_SECRET = "whsec_test_buendnisnetz"
PRICES = {"standard": "price_standard_test", "network": "price_network_test"}
_ids = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sign(body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """A Stripe-Signature header for `body`: t=<timestamp>,v1=<HMAC-SHA256 of "<t>.<body>">."""
    at = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={digest}"


def event(kind: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> bytes:
    """The JSON body of a Stripe event of type `kind` about `obj`."""
    return json.dumps({
        "id": event_id or f"evt_test_{next(_ids)}_{time.time_ns()}", "object": "event", "type": kind,
        "created": int(time.time()) if created is None else created, "data": {"object": obj},
    }).encode()


def _wait_until_answering(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(urllib.request.Request(url, headers=_auth()), timeout=1)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _auth() -> dict:
    return {"Authorization": f"Bearer {SECRET_KEY}"}


class LocalStripe:
    """Calls to the localstripe server itself (form-encoded like Stripe's API)."""

    def __init__(self, url: str):
        self.url = url

    def request(self, method: str, path: str, data: dict | None = None) -> dict:
        body = urllib.parse.urlencode(data or {}).encode() if data is not None else None
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=_auth())
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 - the local test server
            text = response.read()
        return json.loads(text) if text.strip() else {}

    def post(self, path: str, data: dict | None = None) -> dict:
        return self.request("POST", path, data or {})

    def get(self, path: str) -> dict:
        return self.request("GET", path)


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory):
    """A localstripe server on a free port (it binds every interface); stopped by its PID at the end."""
    port = free_port()
    binary = Path(sys.executable).with_name("localstripe")
    log = open(tmp_path_factory.mktemp("localstripe") / "log.txt", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen([str(binary), "--port", str(port), "--from-scratch"], stdout=log,
                               stderr=subprocess.STDOUT, cwd=tmp_path_factory.mktemp("localstripe-cwd"),
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_until_answering(f"http://127.0.0.1:{port}/v1/customers")
        server = LocalStripe(f"http://127.0.0.1:{port}")
        for code, price in PRICES.items():  # Stripe's legacy plans share their ids with prices
            server.post("/v1/plans", {"id": price, "amount": "4900" if code == "standard" else "14900",
                                      "currency": "eur", "interval": "month", "product[name]": code})
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


class StandIn:
    """An HTTP server that answers Checkout and Billing Portal sessions itself and proxies the rest to
    localstripe; `requests` holds (path, form data) of what it answered."""

    OWN = {"/v1/checkout/sessions": ("cs_test_", "checkout.session", "https://checkout.stripe.test/c/pay/"),
           "/v1/billing_portal/sessions": ("bps_test_", "billing_portal.session", "https://billing.stripe.test/p/")}

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.requests: list[tuple[str, dict]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body: bytes, content_type: str = "application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                if self.command == "POST" and path in stand_in.OWN:
                    data = dict(urllib.parse.parse_qsl(body.decode()))
                    stand_in.requests.append((path, data))
                    prefix, kind, url = stand_in.OWN[path]
                    object_id = f"{prefix}{next(_ids)}"
                    self._answer(200, json.dumps({"id": object_id, "object": kind, "url": url + object_id,
                                                  "customer": data.get("customer")}).encode())
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
                req = urllib.request.Request(stand_in.upstream + self.path, data=body or None, method=self.command,
                                             headers=headers)
                try:
                    with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
                        self._answer(response.status, response.read())
                except urllib.error.HTTPError as exc:
                    self._answer(exc.code, exc.read())

            do_GET = do_POST = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="stripe-stand-in", daemon=True)
        self.thread.start()

    def last(self, path: str) -> dict:
        return [data for p, data in self.requests if p == path][-1]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def stripe_stand_in(localstripe):
    stand_in = StandIn(localstripe.url)
    yield stand_in
    stand_in.stop()


@pytest.fixture
def stripe_configured(app, monkeypatch, stripe_stand_in):
    """The app talks to the stand-in (and through it to localstripe) with test keys and prices."""
    for key, value in {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                       "STRIPE_API_BASE": stripe_stand_in.url, "STRIPE_PRICE_STANDARD": PRICES["standard"],
                       "STRIPE_PRICE_NETWORK": PRICES["network"]}.items():
        monkeypatch.setitem(app.config, key, value)
    stripe_stand_in.requests.clear()
    return stripe_stand_in


@pytest.fixture
def live_server(app):
    """The test app on a real HTTP server at 127.0.0.1 on a free port (for localstripe's webhooks)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
