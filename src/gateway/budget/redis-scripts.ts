/**
 * The two Lua scripts of the Redis store: one round trip per acquire (both buckets and the concurrency
 * lease set, atomically) and one per release. Their arithmetic mirrors buckets.ts operation for
 * operation (levels stored with %.17g round-trip exactly), so the memory and Redis stores decide alike.
 *
 * KEYS[1] = the tenant's bucket hash {r, t, ts}; KEYS[2] = its lease ZSET (member = reservation id,
 * score = lease expiry in ms). The clock is Redis TIME unless ARGV carries one (tests).
 */

const COMMON = `
local function num(x) return string.format('%.17g', x) end
local function clock(arg)
  if arg ~= nil and arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local function load(key, rcap, tcap, now)
  local h = redis.call('HMGET', key, 'r', 't', 'ts')
  if h[1] then return tonumber(h[1]), tonumber(h[2]), tonumber(h[3]) end
  return rcap, tcap, now
end
local function refill(r, t, ts, now, rps, rcap, tpm)
  local el = now - ts
  if el < 0 then el = 0 end
  if rps > 0 then
    local v = r + (el * rps) / 1000
    if v > rcap then r = rcap else r = v end
  end
  if tpm > 0 then
    local v = t + (el * tpm) / 60000
    if v > tpm then t = tpm else t = v end
  end
  if now > ts then ts = now end
  return r, t, ts
end
local function store(key, r, t, ts, rps, rcap, tpm, slack)
  redis.call('HSET', key, 'r', num(r), 't', num(t), 'ts', num(ts))
  -- Keep the hash until the buckets are full again (then it is the same as no hash), plus slack.
  local ttl = 0
  if rps > 0 then ttl = (rcap - r) * 1000 / rps end
  if tpm > 0 then
    local w = (tpm - t) * 60000 / tpm
    if w > ttl then ttl = w end
  end
  redis.call('PEXPIRE', key, math.ceil(ttl) + slack)
end
`;

/**
 * ARGV: 1 rps, 2 burst, 3 tpm, 4 estimate, 5 maxConcurrent, 6 reservation id, 7 leaseMs, 8 slackMs,
 * 9 clock ('' = TIME). Returns {granted 1|0, code 0 ok|1 requests|2 tokens|3 concurrency, retryAfterMs}.
 */
export const ACQUIRE_LUA = `${COMMON}
local rps = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
local est = tonumber(ARGV[4])
local maxc = tonumber(ARGV[5])
local lease = tonumber(ARGV[7])
local slack = tonumber(ARGV[8])
local now = clock(ARGV[9])
local rcap = burst
if rcap < 1 then rcap = 1 end
local r, t, ts = load(KEYS[1], rcap, tpm, now)
r, t, ts = refill(r, t, ts, now, rps, rcap, tpm)
local code = 0
local wait = 0
if rps > 0 and r < 1 then
  code = 1
  wait = math.ceil(((1 - r) * 1000) / rps)
end
if tpm > 0 then
  if est > tpm then
    if code == 0 then code = 2 end
    if wait < 60000 then wait = 60000 end
  elseif t < est then
    if code == 0 then code = 2 end
    local w = math.ceil(((est - t) * 60000) / tpm)
    if w > wait then wait = w end
  end
end
if code ~= 0 then return {0, code, wait} end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', num(now))
if maxc > 0 and redis.call('ZCARD', KEYS[2]) >= maxc then return {0, 3, 0} end
if rps > 0 then r = r - 1 end
if tpm > 0 then t = t - est end
store(KEYS[1], r, t, ts, rps, rcap, tpm, slack)
redis.call('ZADD', KEYS[2], num(now + lease), ARGV[6])
redis.call('PEXPIRE', KEYS[2], math.ceil(lease) + slack)
return {1, 0, 0}
`;

/**
 * ARGV: 1 reservation id, 2 rps, 3 burst, 4 tpm, 5 reserved, 6 used ('' = keep the reservation),
 * 7 slackMs, 8 clock ('' = TIME). Returns 1 when the lease was held (and settled), 0 otherwise.
 */
export const RELEASE_LUA = `${COMMON}
local removed = redis.call('ZREM', KEYS[2], ARGV[1])
if removed == 0 or ARGV[6] == '' then return removed end
local rps = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tpm = tonumber(ARGV[4])
if tpm <= 0 then return removed end
local reserved = tonumber(ARGV[5])
local used = tonumber(ARGV[6])
local slack = tonumber(ARGV[7])
local now = clock(ARGV[8])
local rcap = burst
if rcap < 1 then rcap = 1 end
local r, t, ts = load(KEYS[1], rcap, tpm, now)
r, t, ts = refill(r, t, ts, now, rps, rcap, tpm)
local v = t + (reserved - used)
if v > tpm then v = tpm end
if v < -tpm then v = -tpm end
store(KEYS[1], r, v, ts, rps, rcap, tpm, slack)
return removed
`;
