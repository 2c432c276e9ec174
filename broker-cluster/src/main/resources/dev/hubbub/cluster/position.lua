-- A channel's position, made if it has none, and kept alive (with its log) for ARGV[2] ms more:
-- a node calls this when it starts delivering a channel and then every few seconds while it does,
-- so a channel with subscribers and no traffic keeps its epoch (no false discontinuity).
-- KEYS[1] position (hash: e = epoch, o = last offset)   KEYS[2] log (stream)   KEYS[3] members hash
-- ARGV[1] epoch to start with if the channel has none   ARGV[2] ms the keys live
-- Returns {epoch, last offset, members (field, record, ...)}: the members as they stand at that offset
local e = redis.call('HGET', KEYS[1], 'e')
if not e then
  e = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', e, 'o', 0)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return {e, redis.call('HGET', KEYS[1], 'o'), redis.call('HGETALL', KEYS[3])}
