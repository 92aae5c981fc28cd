"""Schemathesis hooks for fuzzing Execora (loaded through ``SCHEMATHESIS_HOOKS=hooks``).

Authentication: every generated request carries a valid owner's access token. The
fuzzer's business is signed up once, through the API, at the first request; the token
is kept until the fuzzer itself calls ``revokeAllSessions`` (sign out everywhere), which
refuses every token of the owner issued up to that second. Then the next request waits
for the following second and logs in again, so the revocation is fuzzed like every
other operation and the run goes on with a working token.

Depth: a random UUID is never a customer of the business, so operations taking one
would only ever answer 404. At sign-up the hooks also create one customer and one
product; about half of the generated bodies and paths that name a customer or product
(chosen by a hash of the generated value, so a seed still reproduces a run) get the real
id instead, and reach invoicing, payments, credit, reminders and stock.

``EXECORA_URL`` is the server's base URL.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid
from urllib.parse import quote

import httpx
import schemathesis

BASE_URL = os.environ["EXECORA_URL"].rstrip("/")


class _Owner:
    """The fuzzer's owner account and its current access token."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.email = f"fuzz-{uuid.uuid4().hex[:12]}@example.com"
        self.password = "fuzzing-password-" + uuid.uuid4().hex
        self.token: str | None = None
        self.customer_id: str | None = None
        self.product_id: str | None = None
        self.revoked_at: float | None = None
        self.logins = 0

    def _sign_up(self) -> str:
        r = httpx.post(
            f"{BASE_URL}/api/v1/businesses",
            json={
                "business_name": "Fuzz Kirana",
                "owner_name": "Fuzz Owner",
                "owner_email": self.email,
                "password": self.password,
            },
            timeout=30,
        )
        r.raise_for_status()
        token = r.json()["tokens"]["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        c = httpx.post(f"{BASE_URL}/api/v1/customers", json={"name": "Ramesh Kumar"}, headers=auth, timeout=30)
        c.raise_for_status()
        self.customer_id = c.json()["id"]
        p = httpx.post(
            f"{BASE_URL}/api/v1/products",
            json={"name": "Toor Dal 1kg", "price_paise": 14000, "gst_rate_bp": 500, "opening_stock": 1000},
            headers=auth,
            timeout=30,
        )
        p.raise_for_status()
        self.product_id = p.json()["id"]
        return token

    def _log_in(self) -> str:
        r = httpx.post(
            f"{BASE_URL}/api/v1/auth/login",
            json={"email": self.email, "password": self.password},
            timeout=30,
        )
        r.raise_for_status()
        self.logins += 1
        return r.json()["access_token"]

    def current(self) -> str:
        with self.lock:
            if self.token is None:
                if self.revoked_at is None:
                    self.token = self._sign_up()
                else:
                    # Tokens issued in the revocation's second are refused too.
                    time.sleep(max(0.0, int(self.revoked_at) + 1.05 - time.time()))
                    self.token = self._log_in()
            return self.token

    def revoked(self) -> None:
        with self.lock:
            self.token = None
            self.revoked_at = time.time()


OWNER = _Owner()


@schemathesis.auth(refresh_interval=None)
class OwnerToken:
    """A valid owner token on every request (``refresh_interval=None``: asked each time;
    ``_Owner`` caches it until a revocation)."""

    def get(self, case, ctx):
        return OWNER.current()

    def set(self, case, data, ctx):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


@schemathesis.hook
def after_call(context, case, response):
    """Notices a successful sign-out-everywhere, which ends the current token, and
    resumes a queue the fuzzer paused (a pause holds that workflow for the whole
    server, and the state outlives the run in the server's Redis namespace)."""
    post = case.method.upper() == "POST"
    if post and case.path.endswith("/auth/sessions/revoke") and response.status_code < 300:
        OWNER.revoked()
    if post and case.path.endswith("/queues/{workflow}/pause") and response.status_code < 300:
        workflow = quote(str((case.path_parameters or {}).get("workflow", "")), safe="")
        httpx.post(
            f"{BASE_URL}/api/v1/queues/{workflow}/resume",
            headers={"Authorization": f"Bearer {OWNER.current()}"},
            timeout=30,
        ).raise_for_status()


def _heads(value) -> bool:
    """A reproducible coin: the same generated value always lands the same way."""
    return hashlib.sha256(repr(value).encode()).digest()[0] % 2 == 0


@schemathesis.hook
def map_body(context, body):
    """Points about half of the bodies naming a customer or product at the real ones."""
    if not isinstance(body, dict) or not _heads(body):
        return body
    OWNER.current()  # the fixtures exist once the owner does
    if "customer_id" in body:
        body["customer_id"] = OWNER.customer_id
    for line in body.get("lines") or []:
        if isinstance(line, dict) and "product_id" in line:
            line["product_id"] = OWNER.product_id
    return body


@schemathesis.hook
def map_path_parameters(context, path_parameters):
    """Points about half of the customer and product paths at the real ones."""
    path = context.operation.path
    if not _heads(path_parameters):
        return path_parameters
    OWNER.current()
    if path.startswith("/api/v1/customers/{id}"):
        path_parameters["id"] = OWNER.customer_id
    elif path.startswith("/api/v1/products/{id}"):
        path_parameters["id"] = OWNER.product_id
    return path_parameters
