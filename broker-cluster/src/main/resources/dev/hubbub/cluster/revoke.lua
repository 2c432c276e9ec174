-- Stores token revocations of one API key and tells every node of them, atomically: a node that
-- loads the key's rules after this script ran finds them, one that listens hears them.
-- KEYS[1] the key's rules: a sorted set of rules (JSON), scored by when each may be forgotten (ms)
-- ARGV[1] now (ms)   ARGV[2] the revocation channel
-- ARGV[3], ARGV[4], ...: pairs of (forget at, rule)
-- Returns {number of rules stored}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local now = tonumber(ARGV[1])
local last = now + 1
local n = 0
for i = 3, #ARGV, 2 do
  local forgetAt = tonumber(ARGV[i])
  redis.call('ZADD', KEYS[1], forgetAt, ARGV[i + 1])
  if forgetAt > last then
    last = forgetAt
  end
  n = n + 1
end
-- the set lives as long as its longest-lived rule (never shortened: -1 means no expiry yet, -2 none)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < last - now then
  redis.call('PEXPIRE', KEYS[1], last - now)
end
for i = 3, #ARGV, 2 do
  redis.call('PUBLISH', ARGV[2], ARGV[i + 1])
end
return {n}
