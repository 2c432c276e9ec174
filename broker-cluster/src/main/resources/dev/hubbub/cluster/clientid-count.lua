-- The connections one clientId holds on the other live nodes, from its hash (node -> count).
-- A node whose heartbeat is older than the dead-after time (or absent) no longer counts, and its
-- field is removed. KEYS[1] the clientId's hash, KEYS[2] the node heartbeats (sorted set, epoch ms);
-- ARGV[1] the asking node, ARGV[2] now (epoch ms), ARGV[3] dead after (ms).
local total = 0
local all = redis.call('HGETALL', KEYS[1])
local oldest = tonumber(ARGV[2]) - tonumber(ARGV[3])
for i = 1, #all, 2 do
  local node = all[i]
  if node ~= ARGV[1] then
    local beat = redis.call('ZSCORE', KEYS[2], node)
    if beat and tonumber(beat) >= oldest then
      total = total + tonumber(all[i + 1])
    else
      redis.call('HDEL', KEYS[1], node)
    end
  end
end
return total
