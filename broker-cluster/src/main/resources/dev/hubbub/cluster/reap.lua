-- A node died (its heartbeat stopped): every member it owned on this channel leaves, once. Each
-- LEAVE is made here, inside the script, so two nodes reaping at once cannot both tell it.
-- KEYS[1] position   KEYS[2] log   KEYS[3] members hash   KEYS[4] the dead node's channel index
-- ARGV[1] epoch to start with   ARGV[2] ms the position and log live   ARGV[3] stream cap
-- ARGV[4] pub/sub channel       ARGV[5] this channel's key prefix   ARGV[6] the dead node's id
-- ARGV[7] timestamp (ms) for the LEAVEs
-- Returns how many members left
local position, log, members, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local all = redis.call('HGETALL', members)
local events, presents = {}, {}
local ts = tonumber(ARGV[7])
for i = 1, #all, 2 do
  local record = cjson.decode(all[i + 1])
  if record['n'] == ARGV[6] then
    redis.call('HDEL', members, all[i])
    local m = record['m']
    local leave = {}
    for k, v in pairs(m) do leave[k] = v end
    leave['a'] = 3
    leave['id'] = 'synthetic-leave:' .. tostring(m['connectionId']) .. ':' .. ts .. ':' .. #events
    leave['timestamp'] = ts
    events[#events + 1] = cjson.encode(leave)
    presents[#presents + 1] = 'null'
  end
end
redis.call('SREM', index, ARGV[5])
if #events == 0 then
  return 0
end
local epoch = epoch_of(position, log, ARGV[1])
local entry = '{"o":null,"b":null,"t":' .. ts .. ',"ev":[' .. table.concat(events, ',') .. '],"pr":[' .. table.concat(presents, ',') .. ']}'
append(position, log, ARGV[3], ARGV[4], epoch, 'p', {entry}, '')
keep(position, log, ARGV[2])
return #events
