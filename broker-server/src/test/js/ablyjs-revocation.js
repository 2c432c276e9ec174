'use strict';
/*
 * Token revocation end to end with the real, unmodified ably-js against a running hubbub broker.
 *
 *   node ablyjs-revocation.js --port N --format msgpack|json --key app.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.RevocationAblyJsTest, which starts the broker in-process and
 * makes every assertion; this script only observes and prints ONE line of JSON per scenario
 *   {"scenario": name, "format": f, "ok": true|false, "error": "..."?, "facts": {...}}
 * and a final {"done": true} line. Every clientId carries the format and a run id, so the two
 * formats' processes (run side by side) never revoke each other's tokens.
 */
const { parseArgs, errorFacts, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 15000;
const WAIT_MS = 8000;
const PROCESS_TIMEOUT_MS = 40000;

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key']);
const PORT = Number(args.port);
const FORMAT = args.format;
const KEY = args.key;
const RUN = Math.random().toString(36).slice(2, 8);

const { Clients, connected, until, outcome, channelName, run } = harness({ port: PORT, format: FORMAT, waitMs: WAIT_MS });

function clientIdFor(who) { return `${who}-${FORMAT}-${RUN}`; }

/** Records every state change of a client's connection, with its reason. */
function recordStates(client) {
  const states = [];
  client.connection.on((c) => states.push({ current: c.current, reason: errorFacts(c.reason) }));
  return states;
}

/** An authCallback minting a fresh TokenRequest for clientId with the key, counting its calls. */
function freshTokens(rest, clientId, calls) {
  return (params, callback) => {
    calls.push(Date.now());
    rest.auth.createTokenRequest({ clientId }).then((tr) => callback(null, tr), (err) => callback(err, null));
  };
}

/** POST one message over REST with a bare token (ably-js itself would try to renew it, which a static token cannot). */
async function restPublishWithToken(channel, token) {
  const res = await fetch(`http://127.0.0.1:${PORT}/channels/${encodeURIComponent(channel)}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + Buffer.from(token).toString('base64') },
    body: JSON.stringify({ name: 'n', data: 'd' }),
  });
  await res.text();
  return { status: res.status, code: Number(res.headers.get('x-ably-errorcode')) || null };
}

const scenarios = {
  /**
   * bob (a static token) and carol are present on a channel an observer watches; revoking clientId
   * bob (plus one invalid target) disconnects bob with 40141, his member leaves at once, carol
   * stays; bob's token no longer works over REST or for a new connection.
   */
  async revokeClientId(clients, facts) {
    const rest = clients.rest({ key: KEY });
    const name = channelName('revokeClientId');
    facts.bobId = clientIdFor('bob');
    facts.carolId = clientIdFor('carol');
    const bobToken = await rest.auth.requestToken({ clientId: facts.bobId });
    const carolToken = await rest.auth.requestToken({ clientId: facts.carolId });
    const bob = await connected(clients.realtime({ token: bobToken }), 'bob');
    const carol = await connected(clients.realtime({ token: carolToken }), 'carol');
    const observer = await connected(clients.realtime({ key: KEY }), 'observer');
    const bobStates = recordStates(bob);
    const watched = observer.channels.get(name);
    const events = [];
    await watched.presence.subscribe((m) => events.push({ action: m.action, clientId: m.clientId, at: Date.now() }));
    await bob.channels.get(name).presence.enter('bob here');
    await carol.channels.get(name).presence.enter('carol here');
    await until(async () => (await watched.presence.get()).length === 2, 'both members present');

    const revokedAt = Date.now();
    facts.result = await rest.auth.revokeTokens([
      { type: 'clientId', value: facts.bobId },
      { type: 'invalidType', value: 'abc' },
    ]);
    const leave = await until(() => events.find((e) => e.action === 'leave' && e.clientId === facts.bobId), 'bob leaving');
    facts.leaveMillis = leave.at - revokedAt;
    await until(() => bob.connection.state === 'failed', 'bob failing (a static token cannot be renewed)');
    facts.bobStates = bobStates;
    facts.carolState = carol.connection.state;
    facts.members = (await watched.presence.get()).map((m) => m.clientId);
    facts.leaves = events.filter((e) => e.action === 'leave').map((e) => e.clientId);

    facts.restWithRevoked = await restPublishWithToken(name, bobToken.token);
    facts.restWithCarol = await restPublishWithToken(name, carolToken.token);
    const again = clients.realtime({ token: bobToken });
    const againStates = recordStates(again);
    await until(() => again.connection.state === 'failed', 'a new connection with the revoked token failing');
    facts.againStates = againStates;
  },

  /** dave renews through an authCallback: revoked, he gets a new token (issued after issuedBefore) and is connected again. */
  async reauthenticatesWithANewToken(clients, facts) {
    const rest = clients.rest({ key: KEY });
    facts.daveId = clientIdFor('dave');
    const calls = [];
    const dave = await connected(clients.realtime({ authCallback: freshTokens(rest, facts.daveId, calls) }), 'dave');
    const states = recordStates(dave);
    facts.connectionIdBefore = dave.connection.id;
    facts.result = await rest.auth.revokeTokens([{ type: 'clientId', value: facts.daveId }]);
    await until(() => states.find((s) => s.current === 'disconnected'), 'dave disconnected');
    await until(() => dave.connection.state === 'connected' && states.some((s) => s.current === 'connected'), 'dave back');
    facts.states = states;
    facts.authCalls = calls.length;
    facts.channelAttach = await outcome(() => dave.channels.get(channelName('reauth')).attach(), 'attach after renewal');
  },

  /**
   * erin renews through an authCallback: with allowReauthMargin the revocation applies 30 s later,
   * she is asked to renew (AUTH) at once, renews on the same connection and is never disconnected.
   * An issuedBefore given by the client is echoed.
   */
  async reauthMarginAsksToRenew(clients, facts) {
    const rest = clients.rest({ key: KEY });
    facts.erinId = clientIdFor('erin');
    const calls = [];
    const erin = await connected(clients.realtime({ authCallback: freshTokens(rest, facts.erinId, calls) }), 'erin');
    const states = recordStates(erin);
    const updates = [];
    erin.connection.on('update', () => updates.push(Date.now()));
    facts.connectionIdBefore = erin.connection.id;
    facts.authCallsBefore = calls.length;
    facts.serverTime = await rest.time();
    facts.result = await rest.auth.revokeTokens([{ type: 'clientId', value: facts.erinId }], { allowReauthMargin: true });
    await until(() => calls.length > facts.authCallsBefore && updates.length > 0, 'erin renewing on her connection');
    facts.authCallsAfter = calls.length;
    facts.updates = updates.length;
    facts.states = states;
    facts.state = erin.connection.state;
    facts.connectionIdAfter = erin.connection.id;

    facts.issuedBefore = facts.serverTime - 20 * 60 * 1000;
    facts.echo = await rest.auth.revokeTokens([{ type: 'clientId', value: clientIdFor('nobody') }],
      { issuedBefore: facts.issuedBefore });
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
