//! The Lua scripts: each runs atomically on one queue's keys (all under its hash tag).
//!
//! A delayed entry is stored in the sorted set as `dedupe-key \n payload`: the key keeps
//! members unique, the payload is what the stream gets when it falls due.

use std::sync::LazyLock;

use redis::Script;

/// Appends a batch of pushes, skipping any whose deduplication key already exists.
/// KEYS: stream, delayed, one dedupe key per push. ARGV: now (ms), dedupe TTL (s), then
/// per push its due time (ms) and its member. When a push becomes the earliest delayed
/// entry, a wake-up entry (`w` = due time) is appended so a blocked reader re-arms its
/// timer for it. Returns how many pushes were new.
pub(crate) static ENQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local now = tonumber(ARGV[1])
local added = 0
local wake = nil
for i = 3, #KEYS do
  local due_arg = ARGV[2 * (i - 2) + 1]
  local due = tonumber(due_arg)
  local member = ARGV[2 * (i - 2) + 2]
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[2]) then
    added = added + 1
    if due <= now then
      local nl = string.find(member, '\n', 1, true)
      redis.call('XADD', KEYS[1], '*', 'p', string.sub(member, nl + 1))
    else
      local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
      redis.call('ZADD', KEYS[2], due_arg, member)
      if (#first == 0 or due < tonumber(first[2])) and (wake == nil or due < tonumber(wake)) then
        wake = due_arg
      end
    end
  end
end
if wake then
  redis.call('XADD', KEYS[1], '*', 'w', wake)
end
return added
"#,
    )
});

/// Moves up to ARGV[2] delayed entries due by ARGV[1] (ms) to the stream. KEYS: delayed,
/// stream. Returns {moved, earliest remaining due time or -1}.
pub(crate) static PROMOTE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  local nl = string.find(member, '\n', 1, true)
  redis.call('XADD', KEYS[2], '*', 'p', string.sub(member, nl + 1))
  redis.call('ZREM', KEYS[1], member)
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local at = -1
if #next > 0 then at = tonumber(next[2]) end
return {#due, at}
"#,
    )
});

/// Hands entries back to the queue (a closing worker's unstarted ones): each still
/// pending is appended again as a new entry and the old one acknowledged and deleted.
/// KEYS: stream. ARGV[1]: group, then entry ids. Returns how many were handed back.
pub(crate) static REQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r#"
local moved = 0
for i = 2, #ARGV do
  local entry = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #entry > 0 and redis.call('XACK', KEYS[1], ARGV[1], ARGV[i]) == 1 then
    redis.call('XADD', KEYS[1], '*', unpack(entry[1][2]))
    redis.call('XDEL', KEYS[1], ARGV[i])
    moved = moved + 1
  end
end
return moved
"#,
    )
});
