// @ts-check
// End-to-end check of the generated TypeScript client (openapi-typescript types +
// openapi-fetch) against a running Execora: sign up, log in, a customer and a product,
// an invoice and its job, a payment, the balance, the job list.
//
// Plain JavaScript for node 20, type-checked against the generated `src/schema.d.ts`
// by `tsc --noEmit` (checkJs). Every response is also checked at run time against the
// spec (`EXECORA_SPEC_JSON`, the JSON form of openapi/execora.yaml): its status must be
// declared for the operation and its body must match the declared schema, with no
// undeclared fields. Any mismatch fails the run.
//
//   EXECORA_URL=http://127.0.0.1:8080 EXECORA_SPEC_JSON=execora.json node e2e.mjs

import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";

/** @typedef {import("./src/schema.js").paths} paths */
/** @typedef {import("./src/schema.js").components["schemas"]} schemas */

const baseUrl = process.env.EXECORA_URL ?? "http://127.0.0.1:8080";
const specPath = process.env.EXECORA_SPEC_JSON;
if (!specPath) throw new Error("EXECORA_SPEC_JSON: the spec as JSON is required");
/** @type {any} */
const spec = JSON.parse(readFileSync(specPath, "utf8"));

// ---- a small validator for the JSON Schema subset poem-openapi emits -------------

/**
 * @param {any} schema
 * @param {unknown} value
 * @param {string} at
 * @param {string[]} problems
 */
function validate(schema, value, at, problems) {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    return validate(spec.components.schemas[name], value, at, problems);
  }
  if (value === null) {
    if (!schema.nullable) problems.push(`${at}: null, but the spec does not say nullable`);
    return;
  }
  if (schema.allOf) {
    for (const s of schema.allOf) validate(s, value, at, problems);
  }
  if (schema.oneOf || schema.anyOf) {
    const options = schema.oneOf ?? schema.anyOf;
    const fits = options.filter((/** @type {any} */ s) => {
      /** @type {string[]} */
      const p = [];
      validate(s, value, at, p);
      return p.length === 0;
    });
    if (fits.length === 0) problems.push(`${at}: matches none of the declared alternatives`);
  }
  if (schema.enum && !schema.enum.includes(value)) {
    problems.push(`${at}: ${JSON.stringify(value)} is not one of ${schema.enum.join(", ")}`);
  }
  switch (schema.type) {
    case "object": {
      if (typeof value !== "object" || Array.isArray(value)) {
        problems.push(`${at}: expected an object`);
        return;
      }
      const obj = /** @type {Record<string, unknown>} */ (value);
      const props = schema.properties ?? {};
      for (const key of schema.required ?? []) {
        if (!(key in obj)) problems.push(`${at}.${key}: required but missing`);
      }
      for (const [key, v] of Object.entries(obj)) {
        if (props[key]) validate(props[key], v, `${at}.${key}`, problems);
        else if (schema.additionalProperties) {
          if (typeof schema.additionalProperties === "object") {
            validate(schema.additionalProperties, v, `${at}.${key}`, problems);
          }
        } else problems.push(`${at}.${key}: present but not in the spec`);
      }
      return;
    }
    case "array":
      if (!Array.isArray(value)) {
        problems.push(`${at}: expected an array`);
        return;
      }
      value.forEach((v, i) => validate(schema.items ?? {}, v, `${at}[${i}]`, problems));
      return;
    case "string":
      if (typeof value !== "string") problems.push(`${at}: expected a string`);
      else if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) {
        problems.push(`${at}: not a date-time`);
      } else if (schema.format === "uuid" && !/^[0-9a-f-]{36}$/i.test(value)) {
        problems.push(`${at}: not a uuid`);
      }
      return;
    case "integer":
      if (!Number.isInteger(value)) problems.push(`${at}: expected an integer`);
      return;
    case "number":
      if (typeof value !== "number") problems.push(`${at}: expected a number`);
      return;
    case "boolean":
      if (typeof value !== "boolean") problems.push(`${at}: expected a boolean`);
      return;
  }
}

/** @type {import("openapi-fetch").Middleware} */
const conformance = {
  async onResponse({ request, response, schemaPath }) {
    const where = `${request.method} ${schemaPath}`;
    const op = spec.paths[schemaPath]?.[request.method.toLowerCase()];
    if (!op) throw new Error(`${where}: no such operation in the spec`);
    const declared = op.responses[String(response.status)] ?? op.responses.default;
    if (!declared) {
      throw new Error(`${where}: status ${response.status} is not declared in the spec`);
    }
    const type = response.headers.get("content-type");
    if (!declared.content) {
      if (response.status !== 204 && (await response.clone().text()) !== "") {
        throw new Error(`${where}: ${response.status} has a body but the spec declares none`);
      }
      return;
    }
    const media = type && declared.content[type];
    if (!media) {
      throw new Error(
        `${where}: ${response.status} answered ${type}; the spec declares ${Object.keys(declared.content).join(", ")}`,
      );
    }
    if (type?.startsWith("application/json")) {
      /** @type {string[]} */
      const problems = [];
      validate(media.schema, await response.clone().json(), "body", problems);
      if (problems.length) {
        throw new Error(`${where}: ${response.status} does not match the spec:\n  ${problems.join("\n  ")}`);
      }
    }
  },
};

/**
 * @param {Record<string, string>} headers
 */
function client(headers = {}) {
  /** @type {import("openapi-fetch").Client<paths>} */
  const c = createClient({ baseUrl, headers });
  c.use(conformance);
  return c;
}

/**
 * The data of a successful call, or a thrown error naming the call and the envelope.
 * @template T
 * @param {string} what
 * @param {{ data?: T, error?: unknown, response: Response }} result
 * @returns {T}
 */
function ok(what, result) {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/**
 * @param {unknown} cond
 * @param {string} message
 * @returns {asserts cond}
 */
function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

const anonymous = client();
const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const email = `ts-${stamp}@example.com`;
const password = "correct horse battery";

// 1. Sign up a business and its owner.
const signedUp = ok(
  "signUp",
  await anonymous.POST("/api/v1/businesses", {
    body: {
      business_name: `TS Kirana ${stamp}`,
      owner_name: "Asha Verma",
      owner_email: email,
      password,
    },
  }),
);
assert(signedUp.user.role === "owner", "the sign-up makes an owner");

// 2. Log in with the password (a second, independent login).
const tokens = ok("login", await anonymous.POST("/api/v1/auth/login", { body: { email, password } }));
assert(tokens.token_type === "Bearer", "token_type is Bearer");
const api = client({ Authorization: `Bearer ${tokens.access_token}` });

const me = ok("getMe", await api.GET("/api/v1/me"));
assert(me.email === email, "getMe is the owner");

// A declared error, typed: another tenant's (or no) customer is a 404 envelope.
const missing = await api.GET("/api/v1/customers/{id}", {
  params: { path: { id: "00000000-0000-7000-8000-000000000000" } },
});
assert(missing.response.status === 404 && missing.error?.code === "not_found", "unknown customer is 404 not_found");

// 3. A customer and a product.
const customer = ok(
  "createCustomer",
  await api.POST("/api/v1/customers", {
    body: { name: "Ramesh Kumar", phone: "098765-43210", nicknames: ["Ramu"], city: "Pune" },
  }),
);
assert(customer.phone === "+919876543210", "the phone is stored as E.164");
const product = ok(
  "createProduct",
  await api.POST("/api/v1/products", {
    body: { name: "Toor Dal 1kg", price_paise: 14000, hsn_code: "0713", gst_rate_bp: 500, opening_stock: 20 },
  }),
);
assert(product.stock === 20, "opening stock");

// 4. Raise an invoice and wait for its job.
const accepted = ok(
  "createInvoice",
  await api.POST("/api/v1/invoices", {
    body: { customer_id: customer.id, lines: [{ product_id: product.id, quantity: 3 }] },
  }),
);
let job = accepted;
for (let i = 0; i < 150 && !["succeeded", "failed", "dead", "cancelled"].includes(job.state); i++) {
  await new Promise((r) => setTimeout(r, 100));
  job = ok("getJob", await api.GET("/api/v1/jobs/{id}", { params: { path: { id: accepted.id } } }));
}
assert(job.state === "succeeded", `the invoice job succeeded (it is ${job.state}: ${JSON.stringify(job.errors)})`);
const issued = /** @type {{ invoice_id?: string, id?: string }} */ (job.result);
const invoiceId = issued?.invoice_id ?? issued?.id;
assert(typeof invoiceId === "string", `the job's result names the invoice: ${JSON.stringify(job.result)}`);
const invoice = ok("getInvoice", await api.GET("/api/v1/invoices/{id}", { params: { path: { id: invoiceId } } }));
assert(invoice.customer_id === customer.id, "the invoice is the customer's");
assert(invoice.total_paise === 44100, `3 × ₹140 + 5% GST = ₹441 (got ${invoice.total_paise})`);

// 5. Record a payment (mixed cash + UPI).
const paid = ok(
  "recordPayment",
  await api.POST("/api/v1/ledger/payments", {
    body: {
      customer_id: customer.id,
      parts: [
        { method: "cash", amount_paise: 10000 },
        { method: "upi", amount_paise: 20000 },
      ],
      reference: `UPI-${stamp}`,
    },
  }),
);
assert(paid.balance_paise === 14100, `owes ₹141 after paying ₹300 (got ${paid.balance_paise})`);

// 6. Read the balance.
const balance = ok(
  "getCustomerBalance",
  await api.GET("/api/v1/customers/{id}/balance", { params: { path: { id: customer.id } } }),
);
assert(balance.balance_paise === 14100, "the balance agrees");

// 7. List jobs: the invoice job is there.
const page = ok("listJobs", await api.GET("/api/v1/jobs", { params: { query: { workflow: "invoice", limit: 10 } } }));
assert(page.items.some((j) => j.id === accepted.id && j.state === "succeeded"), "listJobs shows the invoice job");

console.log(`typescript client e2e: ok (invoice ${invoice.number}, balance ${balance.balance_paise} paise)`);
