-- wrk script of `make bench-api` (scripts/bench-api): one endpoint per run, chosen by
-- the environment, and one JSON line with the figures at the end.
--
--   ENDPOINT  the name printed in the JSON line
--   TOKEN     the bearer token (absent: no Authorization header)
--   BODY      a JSON body: the request is a POST with a fresh Idempotency-Key each time
--   KEY_PREFIX  makes those keys unique across runs and rounds
local endpoint = os.getenv("ENDPOINT") or "?"
local token = os.getenv("TOKEN")
local body = os.getenv("BODY")
local prefix = os.getenv("KEY_PREFIX") or tostring(os.time())

local threads = {}
local counter = 0

-- `id` becomes a global of each thread's own Lua state.
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if body and body ~= "" then
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
  end
end

-- Only POSTs need a request built per call (a new key each time); GETs keep wrk's
-- pre-built request, which costs the load generator less.
if body and body ~= "" then
  request = function()
    counter = counter + 1
    wrk.headers["Idempotency-Key"] = prefix .. "-" .. (id or 0) .. "-" .. counter
    return wrk.format()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"endpoint":"%s","requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,"non2xx":%d,"socket_errors":%d}\n',
    endpoint, summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
