//! The Lua script that writes a batch of job events (see `events_batch`).

/// Numbers each event of a batch, stores it in its job's capped stream and publishes the
/// batch. KEYS: per event, its job's stream. ARGV: the streams' MAXLEN, the keys' TTL in
/// seconds, the channel, then per event `1` (a job's first event) or `0`, followed by its
/// body without the id.
///
/// The id is the stream's own: `XADD … 0-*` gives entries `0-1`, `0-2`, … (Redis 7.0),
/// so the stream stores the body without the id and the id is its entry's sequence, with
/// no counter key beside it (that key's `INCR` and `EXPIRE` were a third of the script's
/// commands). The bodies of a batch go out in one `PUBLISH`, one per line, each with its
/// `"id":n` put in front.
///
/// Returns per event its id, or the error's text if that event could not be stored
/// (`pcall`, so one bad job's key does not fail the others). A later event that lands as
/// `0-1` found no stream: Redis lost the job's events (its data, or the key's TTL). The
/// stream then starts again with a `reload` event as id 1, built from the body (whose
/// fields serde writes in declaration order: `job_id`, `tenant_id`, …, `ts` last), and
/// the event becomes id 2. A job's key gets its TTL once per batch, after its last event
/// in it. Ids are printed with `%d`: Lua's own number printing is a floating-point
/// format, and was the script's largest cost after the commands.
pub(super) const PUBLISH_SCRIPT: &str = r#"
local out, live = {}, {}
local last = {}
for i = 4, #ARGV do
  last[KEYS[i - 3]] = i
end
for i = 4, #ARGV do
  local stream = KEYS[i - 3]
  local body = string.sub(ARGV[i], 2)
  local added = redis.pcall('XADD', stream, 'MAXLEN', '~', ARGV[1], '0-*', 'e', body)
  local n = type(added) == 'string' and tonumber(string.match(added, '^0%-(%d+)$'))
  if n == 1 and string.byte(ARGV[i], 1) == 48 then
    local head = string.match(body, '^{"job_id":"[^"]*","tenant_id":"[^"]*"')
    local ts = string.match(body, '"ts":"[^"]*"}$')
    if head and ts then
      local marker = head .. ',"kind":"reload","data":{"reason":"events_lost"},' .. ts
      redis.call('DEL', stream)
      redis.call('XADD', stream, '0-1', 'e', marker)
      redis.call('XADD', stream, '0-2', 'e', body)
      live[#live + 1] = '{"id":1,' .. string.sub(marker, 2)
      n = 2
    end
  end
  if n then
    live[#live + 1] = '{"id":' .. string.format('%d', n) .. ',' .. string.sub(body, 2)
    out[#out + 1] = n
  elseif type(added) == 'table' then
    out[#out + 1] = added.err
  else
    out[#out + 1] = 'unexpected stream id'
  end
  if last[stream] == i then
    redis.pcall('EXPIRE', stream, ARGV[2])
  end
end
if #live > 0 then
  redis.call('PUBLISH', ARGV[3], table.concat(live, '\n'))
end
return out
"#;
