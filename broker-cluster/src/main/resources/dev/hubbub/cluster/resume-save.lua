-- A connection resumable on any node: its entry (a hash), written whole, living ARGV[6] ms.
-- KEYS[1] entry (named by the SHA-256 of the connection key, never by the key)
-- ARGV[1] connection id   ARGV[2] app id   ARGV[3] identity kind   ARGV[4] clientId ('' for none)
-- ARGV[5] node holding it ARGV[6] ms the entry lives
-- Returns {1}
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'app', ARGV[2], 'kind', ARGV[3], 'node', ARGV[5])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'client', ARGV[4])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return {1}
