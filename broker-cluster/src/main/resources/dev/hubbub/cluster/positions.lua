-- The positions of many channels in one call (a node checks every channel it delivers every
-- second), each made where it has none and kept alive with its log, as position.lua does for one.
-- KEYS: position 1, log 1, position 2, log 2, ...
-- ARGV[1] ms the keys live   ARGV[2] prefix of the epochs to start with (the channel's index is appended)
-- Returns {epoch 1, last offset 1, epoch 2, last offset 2, ...}
local out = {}
for i = 1, #KEYS, 2 do
  local e = epoch_of(KEYS[i], KEYS[i + 1], ARGV[2] .. ((i + 1) / 2))
  keep(KEYS[i], KEYS[i + 1], ARGV[1])
  out[#out + 1] = e
  out[#out + 1] = redis.call('HGET', KEYS[i], 'o')
end
return out
