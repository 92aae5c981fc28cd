"""End-to-end check of the generated Python client (openapi-python-client) against a
running Execora: sign up, log in, a customer and a product, an invoice and its job, a
payment, the balance, the job list.

The client is built with ``raise_on_unexpected_status=True``, so a status the spec does
not declare raises; every parsed body is also walked for fields the spec does not know
(``additional_properties``) and for ``null`` where the spec promises a value. Any such
mismatch fails the run.

    PYTHONPATH=<dir holding execora_client> EXECORA_URL=http://127.0.0.1:8080 python e2e.py
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from typing import Any, TypeVar

import attrs

from execora_client import AuthenticatedClient, Client
from execora_client.api.auth import login, sign_up
from execora_client.api.customers import create_customer, get_customer
from execora_client.api.invoices import create_invoice, get_invoice
from execora_client.api.jobs import get_job, list_jobs
from execora_client.api.ledger import get_customer_balance, record_payment
from execora_client.api.products import create_product
from execora_client.api.users import get_me
from execora_client.models import (
    Balance,
    CustomerInput,
    CustomerView,
    ErrorBody,
    InvoiceInput,
    InvoiceView,
    JobPage,
    JobStateView,
    JobView,
    LineInput,
    PasswordLogin,
    PaymentInput,
    PaymentMethod,
    PaymentPart,
    PaymentRecorded,
    ProductInput,
    ProductView,
    SignedUp,
    SignUp,
    TokenPair,
    UserView,
)
from execora_client.types import Response

BASE_URL = os.environ.get("EXECORA_URL", "http://127.0.0.1:8080")
T = TypeVar("T")


def conforms(value: Any, at: str = "body") -> None:
    """Fails on a field the spec does not declare or a null the spec does not allow."""
    if isinstance(value, list):
        for i, v in enumerate(value):
            conforms(v, f"{at}[{i}]")
        return
    if not attrs.has(type(value)):
        return
    extra = getattr(value, "additional_properties", {})
    if extra:
        raise AssertionError(f"{at}: fields not in the spec: {sorted(extra)}")
    for f in attrs.fields(type(value)):
        if f.name == "additional_properties":
            continue
        v = getattr(value, f.name)
        if v is None:
            raise AssertionError(f"{at}.{f.name}: null, but the spec does not say nullable")
        conforms(v, f"{at}.{f.name}")


def ok(what: str, response: Response[Any], expected: type[T], status: int | None = None) -> T:
    """The parsed body of a successful call; anything else fails with the envelope."""
    parsed = response.parsed
    if status is not None and response.status_code != status:
        raise AssertionError(f"{what}: expected {status}, got {response.status_code}: {response.content!r}")
    if not isinstance(parsed, expected):
        raise AssertionError(f"{what}: {response.status_code} {response.content!r}")
    conforms(parsed)
    return parsed


def main() -> int:
    stamp = f"{int(time.time())}-{uuid.uuid4().hex[:6]}"
    email = f"py-{stamp}@example.com"
    password = "correct horse battery"
    anonymous = Client(base_url=BASE_URL, raise_on_unexpected_status=True)

    # 1. Sign up a business and its owner.

    signed_up = ok(
        "signUp",
        sign_up.sync_detailed(
            client=anonymous,
            body=SignUp(
                business_name=f"Py Kirana {stamp}",
                owner_name="Asha Verma",
                owner_email=email,
                password=password,
            ),
        ),
        SignedUp,
        201,
    )
    assert signed_up.user.email == email

    # 2. Log in with the password.
    tokens = ok(
        "login",
        login.sync_detailed(client=anonymous, body=PasswordLogin(email=email, password=password)),
        TokenPair,
        200,
    )
    api = AuthenticatedClient(base_url=BASE_URL, token=tokens.access_token, raise_on_unexpected_status=True)
    me = ok("getMe", get_me.sync_detailed(client=api), UserView)
    assert me.id == signed_up.user.id

    # A declared error, parsed into the envelope.
    missing = get_customer.sync_detailed(client=api, id=uuid.UUID("00000000-0000-7000-8000-000000000000"))
    assert missing.status_code == 404, missing
    assert isinstance(missing.parsed, ErrorBody) and missing.parsed.code == "not_found", missing.parsed

    # 3. A customer and a product.

    customer = ok(
        "createCustomer",
        create_customer.sync_detailed(
            client=api,
            body=CustomerInput(name="Sunita Devi", phone="+91 91234 56789", city="Nagpur"),
        ),
        CustomerView,
        201,
    )
    assert customer.phone == "+919123456789", customer.phone
    product = ok(
        "createProduct",
        create_product.sync_detailed(
            client=api,
            body=ProductInput(
                name="Basmati Rice 5kg", price_paise=65000, hsn_code="1006", gst_rate_bp=500, opening_stock=8
            ),
        ),
        ProductView,
        201,
    )
    assert product.stock == 8

    # 4. Raise an invoice and wait for its job (`Prefer: wait`, then poll if needed).

    job = ok(
        "createInvoice",
        create_invoice.sync_detailed(
            client=api,
            body=InvoiceInput(customer_id=customer.id, lines=[LineInput(product_id=product.id, quantity=2)]),
            prefer="wait=10",
        ),
        JobView,
    )
    finished = {JobStateView.SUCCEEDED, JobStateView.FAILED, JobStateView.DEAD, JobStateView.CANCELLED}
    deadline = time.monotonic() + 15
    while job.state not in finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job = ok("getJob", get_job.sync_detailed(client=api, id=job.id), JobView, 200)
    assert job.state == JobStateView.SUCCEEDED, (job.state, job.errors)
    assert isinstance(job.result, dict), job.result
    invoice_id = uuid.UUID(job.result["invoice_id"])
    invoice = ok("getInvoice", get_invoice.sync_detailed(client=api, id=invoice_id), InvoiceView, 200)
    assert invoice.customer_id == customer.id
    assert invoice.total_paise == 136500, invoice.total_paise  # 2 × ₹650 + 5% GST

    # 5. Record a payment.

    paid = ok(
        "recordPayment",
        record_payment.sync_detailed(
            client=api,
            body=PaymentInput(
                customer_id=customer.id,
                parts=[PaymentPart(method=PaymentMethod.UPI, amount_paise=100000)],
                reference=f"UPI-{stamp}",
            ),
            idempotency_key=f"pay-{stamp}",
        ),
        PaymentRecorded,
        201,
    )
    assert paid.balance_paise == 36500, paid.balance_paise

    # 6. Read the balance.
    balance = ok("getCustomerBalance", get_customer_balance.sync_detailed(client=api, id=customer.id), Balance, 200)
    assert balance.balance_paise == 36500, balance.balance_paise

    # 7. List jobs: the invoice job is there.
    page = ok("listJobs", list_jobs.sync_detailed(client=api, workflow="invoice", limit=10), JobPage, 200)
    assert any(j.id == job.id and j.state == JobStateView.SUCCEEDED for j in page.items), page

    print(f"python client e2e: ok (invoice {invoice.number}, balance {balance.balance_paise} paise)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
