-- A channel's position, made if it has none, and kept alive (with its log) for ARGV[2] ms more:
-- a node calls this when it starts delivering a channel and then every few seconds while it does,
-- so a channel with subscribers and no traffic keeps its epoch (no false discontinuity).
-- KEYS[1] position (hash: e = epoch, o = last offset)   KEYS[2] log (stream)   KEYS[3] members hash
-- ARGV[1] epoch to start with if the channel has none   ARGV[2] ms the keys live
-- Returns {epoch, last offset, members (field, record, ...)}: the members as they stand at that offset
local e = epoch_of(KEYS[1], KEYS[2], ARGV[1])
keep(KEYS[1], KEYS[2], ARGV[2])
return {e, redis.call('HGET', KEYS[1], 'o'), redis.call('HGETALL', KEYS[3])}
