-- Changes members of a channel and appends the presence frame to the channel's log, announcing it,
-- atomically: presence events take their place in the same order as the channel's messages.
-- KEYS[1] position   KEYS[2] log   KEYS[3] members hash   KEYS[4] the owning node's channel index (set)
-- ARGV[1] epoch to start with   ARGV[2] ms the position and log live   ARGV[3] stream cap
-- ARGV[4] pub/sub channel       ARGV[5] this channel's key prefix (for the node's index)
-- ARGV[6] the presence entry (JSON)   ARGV[7] n, then per member: ARGV[6+2i] field, ARGV[7+2i] record or '' (left)
-- Returns the entry's offset
local position, log, members, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local epoch = epoch_of(position, log, ARGV[1])
local n = tonumber(ARGV[7])
for i = 1, n do
  local field, record = ARGV[6 + 2 * i], ARGV[7 + 2 * i]
  if record == '' then
    redis.call('HDEL', members, field)
  else
    redis.call('HSET', members, field, record)
  end
end
redis.call('SADD', index, ARGV[5])
local offset = append(position, log, ARGV[3], ARGV[4], epoch, 'p', {ARGV[6]}, '')
keep(position, log, ARGV[2])
return offset
