'use strict';
/*
 * Content the broker must not relay, end to end with the real, unmodified ably-js.
 *
 *   node ablyjs-content.js --port N --format msgpack|json --key app.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.ContentAblyJsTest, which starts the broker in-process and makes
 * every assertion; this script only observes and prints ONE line of JSON per scenario and a final
 * {"done": true} line.
 */
const { parseArgs, errorFacts, harness } = require('./harness');

const WAIT_MS = 8000;
const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key']);
const PORT = Number(args.port);
const KEY = args.key;

const { Clients, connected, outcome, channelName, collector, run } = harness({ port: PORT, format: args.format, waitMs: WAIT_MS });

/** POST one message body over REST with the key, as raw JSON: what any HTTP client could send. */
async function restPost(channel, body) {
  const res = await fetch(`http://127.0.0.1:${PORT}/channels/${encodeURIComponent(channel)}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Basic ' + Buffer.from(KEY).toString('base64') },
    body: JSON.stringify(body),
  });
  await res.text();
  return { status: res.status, code: Number(res.headers.get('x-ably-errorcode')) || null };
}

const scenarios = {
  /**
   * A subscriber is attached; a publisher sends a vcdiff-encoded message and one with extras.delta
   * (realtime), then the same over REST; each is refused 40013. The subscriber's channel never
   * changes state, it receives none of them, and it receives the next valid message.
   */
  async serverSideTransformsAreRefused(clients, facts) {
    const name = channelName('transforms');
    const sub = await collector(await connected(clients.realtime({ key: KEY, clientId: 'sub' }), 'subscriber'), name);
    const attachedAt = sub.changes.length; // initialized -> attaching -> attached
    const pub = await connected(clients.realtime({ key: KEY, clientId: 'pub' }), 'publisher');
    const channel = pub.channels.get(name);
    await channel.attach();
    facts.realtimeVcdiff = await outcome(() => channel.publish({ name: 'vcdiff', data: 'AAAA', encoding: 'vcdiff/base64' }), 'vcdiff');
    facts.realtimeDelta = await outcome(() => channel.publish({ name: 'delta', data: 'x',
      extras: { delta: { from: 'someone:0:0', format: 'vcdiff' } } }), 'delta');
    facts.restVcdiff = await restPost(name, { name: 'rest-vcdiff', data: 'AAAA', encoding: 'utf-8/vcdiff/base64' });
    facts.restDelta = await restPost(name, { name: 'rest-delta', data: 'x', extras: { delta: { from: 'a:0:0', format: 'vcdiff' } } });
    facts.valid = await outcome(() => channel.publish('valid', 'after'), 'valid');
    await sub.waitFor('valid');
    facts.received = sub.names();
    facts.changes = sub.changes.slice(attachedAt); // none: never FAILED (40019) nor re-attached
    facts.state = sub.channel.state;
  },
};

run({
  scenarios,
  only: args.only,
  scenarioTimeoutMs: 15000,
  processTimeoutMs: 40000,
  sequential: false,
  newClients: () => new Clients(),
});
