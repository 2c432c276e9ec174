'use strict';
/*
 * Wildcard tokens limited to a clientId pattern, end to end with the real, unmodified ably-js.
 *
 *   node ablyjs-pattern.js --port N --format msgpack|json --key app.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.PatternTokenAblyJsTest, which makes every assertion; this
 * script only observes and prints one line of JSON per scenario and a final {"done": true}. The
 * token comes from the broker's requestToken with Basic auth and hubbub's TokenParams field
 * x-hubbub-clientId-pattern = "support:*"; to ably-js it is an ordinary wildcard token.
 */
const { parseArgs, errorFacts, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 15000;
const WAIT_MS = 8000;
const PROCESS_TIMEOUT_MS = 40000;
const PATTERN = 'support:*';

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key']);
const PORT = Number(args.port);
const FORMAT = args.format;
const KEY = args.key;

const { Clients, connected, until, outcome, channelName, collector, run } = harness({ port: PORT, format: FORMAT, waitMs: WAIT_MS });

/** TokenDetails for a wildcard token limited to PATTERN, asked for with the key (Basic auth). */
async function patternTokenDetails() {
  const keyName = KEY.split(':')[0];
  const res = await fetch(`http://127.0.0.1:${PORT}/keys/${encodeURIComponent(keyName)}/requestToken`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Basic ' + Buffer.from(KEY).toString('base64') },
    body: JSON.stringify({ clientId: '*', 'x-hubbub-clientId-pattern': PATTERN }),
  });
  const body = await res.json();
  if (res.status !== 200) throw new Error('requestToken answered ' + res.status + ': ' + JSON.stringify(body));
  return body;
}

/** An authCallback handing out pattern tokens. */
function patternTokens(params, callback) {
  patternTokenDetails().then((td) => callback(null, td), (err) => callback(err, null));
}

const scenarios = {
  /**
   * A backend holding the pattern token publishes as support:ann (accepted) and as alice (refused);
   * an observer with the key sees only the first, with its clientId.
   */
  async publishInsideAndOutsideThePattern(clients, facts) {
    const name = channelName('publish');
    const observer = await connected(clients.realtime({ key: KEY }), 'observer');
    const watched = await collector(observer, name);
    const backend = await connected(clients.realtime({ authCallback: patternTokens }), 'backend');
    facts.backendClientId = backend.auth.clientId === undefined ? null : backend.auth.clientId;
    const channel = backend.channels.get(name);
    await channel.attach();
    facts.inside = await outcome(() => channel.publish({ name: 'inside', data: 'hi', clientId: 'support:ann' }), 'publish inside');
    facts.outside = await outcome(() => channel.publish({ name: 'outside', data: 'hi', clientId: 'alice' }), 'publish outside');
    facts.after = await outcome(() => channel.publish({ name: 'after', data: 'hi', clientId: 'support:bo' }), 'publish after');
    await watched.waitFor('after');
    facts.received = watched.received.map((m) => ({ name: m.name, clientId: m.clientId === undefined ? null : m.clientId }));
    facts.connectionState = backend.connection.state;
    facts.channelState = channel.state;
  },

  /** The same backend enters presence for support:ann (accepted) and for alice (refused). */
  async presenceInsideAndOutsideThePattern(clients, facts) {
    const name = channelName('presence');
    const backend = await connected(clients.realtime({ authCallback: patternTokens }), 'backend');
    const presence = backend.channels.get(name).presence;
    facts.inside = await outcome(() => presence.enterClient('support:ann', 'here'), 'enter inside');
    facts.outside = await outcome(() => presence.enterClient('alice', 'here'), 'enter outside');
    await until(async () => (await presence.get()).length === 1, 'one member');
    facts.members = (await presence.get()).map((m) => m.clientId);
  },

  /** A client that names itself alice with the pattern token is refused at connect. */
  async connectAsAClientIdOutsideThePattern(clients, facts) {
    const client = clients.realtime({ authCallback: patternTokens, clientId: 'alice' });
    const states = [];
    client.connection.on((c) => states.push({ current: c.current, reason: errorFacts(c.reason) }));
    await until(() => client.connection.state === 'failed' || client.connection.state === 'connected', 'failed or connected');
    facts.state = client.connection.state;
    facts.reason = errorFacts(client.connection.errorReason);
    facts.states = states;
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
