'use strict';
/*
 * Provenance headers with the real, unmodified ably-js.
 *
 *   node ablyjs-provenance.js --port N --format msgpack|json --key app.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.ProvenanceAblyJsTest, whose broker has provenance on for the
 * app's "audit:*" channels and which makes every assertion; this script only observes and prints
 * one line of JSON per scenario and a final {"done": true}.
 */
const { parseArgs, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 15000;
const WAIT_MS = 8000;
const PROCESS_TIMEOUT_MS = 40000;

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key']);
const PORT = Number(args.port);
const FORMAT = args.format;
const KEY = args.key;

const { Clients, connected, until, channelName, collector, run } = harness({ port: PORT, format: FORMAT, waitMs: WAIT_MS });

function headersOf(m) {
  return m.extras && m.extras.headers ? m.extras.headers : null;
}

const scenarios = {
  /** Messages published with a key and clientId, a token, and a key naming a clientId; then history. */
  async messages(clients, facts) {
    const name = channelName('audit:messages');
    const observer = await connected(clients.realtime({ key: KEY }), 'observer');
    const watched = await collector(observer, name);
    const rest = clients.rest({ key: KEY });

    const alice = await connected(clients.realtime({ key: KEY, clientId: 'alice' }), 'alice');
    await alice.channels.get(name).publish('byKey', 'd');
    const bobToken = await rest.auth.requestToken({ clientId: 'bob' });
    const bob = await connected(clients.realtime({ token: bobToken }), 'bob');
    await bob.channels.get(name).publish('byToken', 'd');
    const wild = await connected(clients.realtime({ key: KEY }), 'wildcard');
    await wild.channels.get(name).publish({ name: 'keyNaming', data: 'd', clientId: 'dan', extras: { headers: { trace: 't1' } } });

    await watched.waitFor('keyNaming');
    facts.received = watched.received.map((m) => ({ name: m.name, clientId: m.clientId, headers: headersOf(m) }));
    const page = await rest.channels.get(name).history({ direction: 'forwards' });
    facts.history = page.items.map((m) => ({ name: m.name, headers: headersOf(m) }));
  },

  /** A wildcard key enters bob: the presence event, the member a late client gets, and its leave. */
  async presence(clients, facts) {
    const name = channelName('audit:presence');
    const observer = await connected(clients.realtime({ key: KEY }), 'observer');
    const events = [];
    await observer.channels.get(name).presence.subscribe((m) => events.push({ action: m.action, clientId: m.clientId, data: m.data, headers: headersOf(m) }));
    const backend = await connected(clients.realtime({ key: KEY }), 'backend');
    await backend.channels.get(name).presence.enterClient('bob', 'here');
    await until(() => events.length >= 1, 'the enter');
    const late = await connected(clients.realtime({ key: KEY }), 'late');
    const members = await late.channels.get(name).presence.get();
    facts.members = members.map((m) => ({ clientId: m.clientId, headers: headersOf(m) }));
    await backend.channels.get(name).presence.leaveClient('bob');
    await until(() => events.length >= 2, 'the leave');
    facts.events = events;
  },
};

run({
  scenarios,
  only: args.only,
  scenarioTimeoutMs: SCENARIO_TIMEOUT_MS,
  processTimeoutMs: PROCESS_TIMEOUT_MS,
  sequential: false,
  newClients: () => new Clients(),
});
