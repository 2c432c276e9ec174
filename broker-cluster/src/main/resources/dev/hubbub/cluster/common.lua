-- Put before every script by Script.load: what they all do to a channel's position and log.

-- The channel's epoch; where it has none (new, expired, or lost with a restarted Redis), a fresh
-- one with an empty log.
local function epoch_of(position, log, fresh)
  local e = redis.call('HGET', position, 'e')
  if not e then
    e = fresh
    redis.call('DEL', log)
    redis.call('HSET', position, 'e', e, 'o', 0)
  end
  return e
end

-- Appends entries (JSON texts) of one kind at the next offsets and announces them on the channel's
-- pub/sub channel, {"e":epoch,"o":first,"n":count,"k":kind<head>,"m":[entries]}; returns the first
-- offset. head is '' or ',' followed by more JSON members.
local function append(position, log, cap, feed, epoch, kind, entries, head)
  local first = redis.call('HINCRBY', position, 'o', #entries) - #entries + 1
  for j = 1, #entries do
    redis.call('XADD', log, 'MAXLEN', '~', cap, (first + j - 1) .. '-0', 'k', kind, 'd', entries[j])
  end
  redis.call('PUBLISH', feed, '{"e":"' .. epoch .. '","o":' .. first .. ',"n":' .. #entries .. ',"k":"' .. kind .. '"'
    .. head .. ',"m":[' .. table.concat(entries, ',') .. ']}')
  return first
end

-- Keeps the position and the log for ms more.
local function keep(position, log, ms)
  redis.call('PEXPIRE', position, ms)
  redis.call('PEXPIRE', log, ms)
end
