-- Appends one publish to a channel's log and announces it, atomically: the channel's order is the
-- order Redis runs this script in. Serials are epoch:offset; the offset is the stream entry id.
-- KEYS[1] position (hash: e = epoch, o = last offset)   KEYS[2] log (stream)
-- KEYS[3] answer key of a realtime publish ('' for none): a resend gets the same answer
-- ARGV[1] epoch to start with if the channel has none   ARGV[2] ms the channel's keys live
-- ARGV[3] stream cap (approximate)                      ARGV[4] pub/sub channel to announce on
-- ARGV[5] ms ids and answers are remembered             ARGV[6] key prefix of remembered ids
-- ARGV[7] the announcement's fixed fields (JSON members) ARGV[8] entry kind: m (message), p (presence)
-- ARGV[9] n, then per item: ARGV[8+2i] client-chosen id or '', ARGV[9+2i] item JSON
-- Returns {'ok'|'again', 'epoch|firstOffset|flags'}, a flag per item: 1 kept, 0 duplicate
local position, log, answerKey = KEYS[1], KEYS[2], KEYS[3]
if answerKey ~= '' then
  local earlier = redis.call('GET', answerKey)
  if earlier then
    return {'again', earlier}
  end
end
local epoch = epoch_of(position, log, ARGV[1])
local n = tonumber(ARGV[9])
local kept, flags = {}, {}
for i = 1, n do
  local id = ARGV[8 + 2 * i]
  local fresh = true
  if id ~= '' then
    fresh = redis.call('SET', ARGV[6] .. id, '1', 'NX', 'PX', ARGV[5]) and true or false
  end
  if fresh then
    kept[#kept + 1] = ARGV[9 + 2 * i]
    flags[i] = '1'
  else
    flags[i] = '0'
  end
end
local first = 0
if #kept > 0 then
  first = append(position, log, ARGV[3], ARGV[4], epoch, ARGV[8], kept, ',' .. ARGV[7])
end
keep(position, log, ARGV[2])
local answer = epoch .. '|' .. first .. '|' .. table.concat(flags)
if answerKey ~= '' then
  redis.call('SET', answerKey, answer, 'PX', ARGV[5])
end
return {'ok', answer}
