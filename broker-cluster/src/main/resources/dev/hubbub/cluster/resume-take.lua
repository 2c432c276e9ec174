-- Takes a connection for a resume, atomically (one taker wins cluster-wide), when the credentials
-- are the connection's (same app, same identity: else the entry stays); then tells every node,
-- on the control channel, that the connection was taken, so the node holding it lets go.
-- KEYS[1] entry
-- ARGV[1] app id   ARGV[2] identity kind   ARGV[3] clientId ('' for none)
-- ARGV[4] control channel   ARGV[5] the taking node
-- Returns {'none'} | {'refused'} | {'taken', connection id, node that held it}
local e = redis.call('HMGET', KEYS[1], 'id', 'app', 'kind', 'client', 'node')
if not e[1] then
  return {'none'}
end
if e[2] ~= ARGV[1] or e[3] ~= ARGV[2] or (e[4] or '') ~= ARGV[3] then
  return {'refused'}
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[4], 'taken ' .. e[1] .. ' ' .. ARGV[5])
return {'taken', e[1], e[5]}
