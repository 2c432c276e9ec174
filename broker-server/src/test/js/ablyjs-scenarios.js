'use strict';
/*
 * End-to-end scenarios with the real, unmodified ably-js against a running hubbub broker.
 *
 *   node ablyjs-scenarios.js --port N --format msgpack|json --keyA appA.k:secret --keyB appB.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.AblyJsEndToEndTest, which starts the broker in-process and
 * makes every assertion. This script only observes: for every scenario it prints ONE line of JSON
 *   {"scenario": name, "format": f, "ok": true|false, "error": "..."?, "facts": {...}}
 * and a final {"done": true} line. ably-js checks almost nothing locally (no clientId checks on
 * publish or enterClient), so whatever is rejected here was rejected by the broker.
 *
 * Every wait is bounded: a scenario gives up after SCENARIO_TIMEOUT_MS and reports what it saw;
 * the whole process exits after PROCESS_TIMEOUT_MS whatever happens.
 */
const { parseArgs, withTimeout, errorFacts, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 10000;
const WAIT_MS = 5000;
const PROCESS_TIMEOUT_MS = 25000;

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'keyA', 'keyB']);
const PORT = Number(args.port);
const FORMAT = args.format;
const KEY_A = args.keyA;
const KEY_B = args.keyB;

// ---------------------------------------------------------------------------------------------
// helpers

const { Clients, connected, until, outcome, channelName, collector: collecting, run } =
  harness({ port: PORT, format: FORMAT, waitMs: WAIT_MS });

function dataFacts(data) {
  if (Buffer.isBuffer(data) || data instanceof Uint8Array || data instanceof ArrayBuffer) {
    return { kind: 'binary', hex: Buffer.from(data).toString('hex') };
  }
  if (data === undefined || data === null) return { kind: 'none' };
  if (typeof data === 'string') return { kind: 'string', value: data };
  return { kind: typeof data, json: JSON.stringify(data) };
}

function messageFacts(m) {
  return {
    name: m.name === undefined ? null : m.name,
    clientId: m.clientId === undefined ? null : m.clientId,
    id: m.id === undefined ? null : m.id,
    connectionId: m.connectionId === undefined ? null : m.connectionId,
    data: dataFacts(m.data),
  };
}

function presenceFacts(p) {
  return {
    action: p.action,
    clientId: p.clientId === undefined ? null : p.clientId,
    connectionId: p.connectionId === undefined ? null : p.connectionId,
    data: dataFacts(p.data),
  };
}

/** The format the client's WebSocket transport actually uses (an ably-js internal; null if it moved). */
function wireFormat(client) {
  try {
    return client.connection.connectionManager.activeProtocol.getTransport().params.format || null;
  } catch (e) {
    return null;
  }
}

/** Subscribes (attaches) and collects every message received on the channel; facts() describes them. */
async function collector(client, name) {
  const col = await collecting(client, name);
  return Object.assign(col, { facts: () => col.received.map(messageFacts) });
}

function tokenRequestCallback(rest, tokenParams, calls) {
  return (params, callback) => {
    calls.push(params ? JSON.parse(JSON.stringify(params)) : null);
    rest.auth.createTokenRequest(tokenParams).then((tr) => callback(null, tr), (err) => callback(err, null));
  };
}

// ---------------------------------------------------------------------------------------------
// scenarios: each gets (clients, facts) and fills facts; a throw ends it with ok:false

const scenarios = {
  /** 1. key + clientId alice publishes object and binary data; a second client receives them. */
  async identifiedPublish(clients, facts) {
    const name = channelName('identifiedPublish');
    const alice = await connected(clients.realtime({ key: KEY_A, clientId: 'alice' }), 'alice');
    const sub = await connected(clients.realtime({ key: KEY_A }), 'subscriber');
    facts.aliceConnectionId = alice.connection.id;
    facts.aliceAuthClientId = alice.auth.clientId === undefined ? null : alice.auth.clientId;
    facts.wireFormats = [wireFormat(alice), wireFormat(sub)];
    const col = await collector(sub, name);
    const channel = alice.channels.get(name);
    await withTimeout(channel.publish('object', { hello: 'world', n: 42, list: [1, 'two', null], nested: { ok: true } }), WAIT_MS, 'publish object');
    await withTimeout(channel.publish('binary', Buffer.from([0, 1, 2, 127, 128, 254, 255])), WAIT_MS, 'publish binary');
    await col.waitFor('binary');
    facts.received = col.facts();
  },

  /** 2. alice claims clientId mallory in a publish: the broker NACKs, nothing is delivered. */
  async masqueradePublish(clients, facts) {
    const name = channelName('masqueradePublish');
    const alice = await connected(clients.realtime({ key: KEY_A, clientId: 'alice' }), 'alice');
    const sub = await connected(clients.realtime({ key: KEY_A }), 'subscriber');
    const col = await collector(sub, name);
    const channel = alice.channels.get(name);
    facts.spoof = await outcome(() => channel.publish({ name: 'spoof', data: 'x', clientId: 'mallory' }), 'publish spoof');
    facts.marker = await outcome(() => channel.publish({ name: 'marker', data: 'm' }), 'publish marker');
    await col.waitFor('marker');
    facts.received = col.facts();
    facts.aliceState = alice.connection.state;
  },

  /**
   * 3. '*' as a message clientId: rejected, both from the identified alice and from a key client
   * without clientId (which may otherwise name any clientId, so only the wildcard rule stops it).
   */
  async wildcardClaimPublish(clients, facts) {
    const name = channelName('wildcardClaimPublish');
    const alice = await connected(clients.realtime({ key: KEY_A, clientId: 'alice' }), 'alice');
    const keyClient = await connected(clients.realtime({ key: KEY_A }), 'key client');
    const sub = await connected(clients.realtime({ key: KEY_A }), 'subscriber');
    const col = await collector(sub, name);
    const aliceChannel = alice.channels.get(name);
    facts.star = await outcome(() => aliceChannel.publish({ name: 'star', data: 'x', clientId: '*' }), 'alice publish star');
    facts.marker = await outcome(() => aliceChannel.publish({ name: 'marker', data: 'm' }), 'alice publish marker');
    await col.waitFor('marker');
    const keyChannel = keyClient.channels.get(name);
    facts.keyStar = await outcome(() => keyChannel.publish({ name: 'key-star', data: 'x', clientId: '*' }), 'key client publish star');
    facts.keyMarker = await outcome(() => keyChannel.publish({ name: 'key-marker', data: 'm', clientId: 'kate' }), 'key client publish marker');
    await col.waitFor('key-marker');
    facts.received = col.facts();
  },

  /** 4. authCallback returning a key-signed TokenRequest for Bob; then authorize() again. */
  async tokenIdentified(clients, facts) {
    const name = channelName('tokenIdentified');
    const rest = clients.rest({ key: KEY_A });
    const calls = [];
    const bob = clients.realtime({ authCallback: tokenRequestCallback(rest, { clientId: 'Bob' }, calls) });
    await connected(bob, 'bob');
    const sub = await connected(clients.realtime({ key: KEY_A }), 'subscriber');
    facts.authClientId = bob.auth.clientId === undefined ? null : bob.auth.clientId;
    facts.connectionId = bob.connection.id;
    const col = await collector(sub, name);
    const channel = bob.channels.get(name);
    facts.plain = await outcome(() => channel.publish('plain', 'from bob'), 'publish plain');
    facts.claimAlice = await outcome(() => channel.publish({ name: 'claim-alice', data: 'x', clientId: 'Alice' }), 'publish claim');
    facts.marker1 = await outcome(() => channel.publish('marker1', 'm'), 'publish marker1');
    await col.waitFor('marker1');

    const changes = [];
    bob.connection.on((change) => changes.push(change.previous + '->' + change.current + (change.reason ? ' ' + change.reason.code : '')));
    facts.authorize = await outcome(() => bob.auth.authorize(), 'authorize');
    facts.stateChangesDuringAuthorize = changes.slice();
    facts.stateAfterAuthorize = bob.connection.state;
    facts.connectionIdAfterAuthorize = bob.connection.id;
    facts.authClientIdAfterAuthorize = bob.auth.clientId === undefined ? null : bob.auth.clientId;
    facts.afterAuthorize = await outcome(() => channel.publish('after-authorize', 'y'), 'publish after authorize');
    await col.waitFor('after-authorize');
    facts.authCallbackCalls = calls.length;
    facts.received = col.facts();
  },

  /** 5. a token without clientId: an anonymous client that may not assume any clientId. */
  async tokenAnonymous(clients, facts) {
    const name = channelName('tokenAnonymous');
    const rest = clients.rest({ key: KEY_A });
    const calls = [];
    const anon = clients.realtime({ authCallback: tokenRequestCallback(rest, {}, calls) });
    await connected(anon, 'anonymous');
    const sub = await connected(clients.realtime({ key: KEY_A }), 'subscriber');
    facts.authClientId = anon.auth.clientId === undefined ? null : anon.auth.clientId;
    const col = await collector(sub, name);
    const channel = anon.channels.get(name);
    facts.plain = await outcome(() => channel.publish('plain', 'no id'), 'publish plain');
    facts.claimX = await outcome(() => channel.publish({ name: 'claim-x', data: 'x', clientId: 'x' }), 'publish claim');
    facts.enterClientX = await outcome(() => channel.presence.enterClient('x', 'data'), 'enterClient x');
    facts.marker = await outcome(() => channel.publish('marker', 'm'), 'publish marker');
    await col.waitFor('marker');
    facts.received = col.facts();
    // the observer attaches after the rejected enter: a leaked member would be in its SYNC
    facts.members = (await withTimeout(sub.channels.get(name).presence.get(), WAIT_MS, 'presence.get')).map(presenceFacts);
  },

  /** 6. a key without clientId is a wildcard client: it may publish and enter as anyone. */
  async keyWildcard(clients, facts) {
    const name = channelName('keyWildcard');
    const wild = await connected(clients.realtime({ key: KEY_A }), 'wildcard');
    const sub = await connected(clients.realtime({ key: KEY_A }), 'subscriber');
    facts.authClientId = wild.auth.clientId === undefined ? null : wild.auth.clientId;
    const col = await collector(sub, name);
    const channel = wild.channels.get(name);
    facts.publishCarol = await outcome(() => channel.publish({ name: 'as-carol', data: 'c', clientId: 'carol' }), 'publish carol');
    await col.waitFor('as-carol');
    facts.received = col.facts();
    facts.enterDave = await outcome(() => channel.presence.enterClient('dave', 'dave-data'), 'enterClient dave');
    const observed = sub.channels.get(name).presence;
    const members = await until(async () => {
      const list = await withTimeout(observed.get(), WAIT_MS, 'presence.get');
      return list.some((p) => p.clientId === 'dave') ? list : null;
    }, 'dave in presence.get()').catch(async () => withTimeout(observed.get(), WAIT_MS, 'presence.get'));
    facts.members = members.map(presenceFacts);
  },

  /** 7. presence on the identified alice: enter works, enterClient('mallory') is refused by the broker. */
  async presenceIdentified(clients, facts) {
    const name = channelName('presenceIdentified');
    const alice = await connected(clients.realtime({ key: KEY_A, clientId: 'alice' }), 'alice');
    const observer = await connected(clients.realtime({ key: KEY_A }), 'observer');
    const observed = observer.channels.get(name).presence;
    const events = [];
    await withTimeout(observed.subscribe((p) => events.push(p)), WAIT_MS, 'presence.subscribe');
    const presence = alice.channels.get(name).presence;
    facts.enter = await outcome(() => presence.enter('hi'), 'enter');
    await until(() => events.find((p) => p.clientId === 'alice'), 'alice enter event');
    facts.membersAfterEnter = (await withTimeout(observed.get(), WAIT_MS, 'presence.get')).map(presenceFacts);
    facts.enterMallory = await outcome(() => presence.enterClient('mallory', 'evil'), 'enterClient mallory');
    facts.update = await outcome(() => presence.update('after'), 'update');
    // alice's own later event is the marker: anything about mallory would have come first
    await until(() => events.find((p) => p.clientId === 'alice' && p.data === 'after'), 'alice update event');
    facts.events = events.map(presenceFacts);
    facts.membersAtEnd = (await withTimeout(observed.get(), WAIT_MS, 'presence.get')).map(presenceFacts);
    facts.aliceState = alice.connection.state;
  },

  /** 8. a key with the wrong secret: FAILED with 40101. */
  async wrongSecret(clients, facts) {
    const keyName = KEY_A.substring(0, KEY_A.indexOf(':'));
    const client = clients.realtime({ key: keyName + ':not-the-secret' });
    const states = [];
    client.connection.on((change) => states.push(change.current));
    const failed = await withTimeout(
      new Promise((resolve) => {
        const check = () => { if (client.connection.state === 'failed') resolve(true); };
        client.connection.on(check);
        check();
      }), WAIT_MS, 'connection to fail').catch(() => false);
    facts.failed = failed;
    facts.state = client.connection.state;
    facts.states = states;
    facts.reason = errorFacts(client.connection.errorReason);
  },

  /** 9. appA and appB on the same channel name never see each other. */
  async appIsolation(clients, facts) {
    const name = channelName('appIsolation'); // the same name for both apps
    const a1 = await connected(clients.realtime({ key: KEY_A, clientId: 'a-user' }), 'appA publisher');
    const aSub = await connected(clients.realtime({ key: KEY_A }), 'appA subscriber');
    const b1 = await connected(clients.realtime({ key: KEY_B, clientId: 'b-user' }), 'appB publisher');
    const bSub = await connected(clients.realtime({ key: KEY_B }), 'appB subscriber');
    const aCol = await collector(aSub, name);
    const bCol = await collector(bSub, name);
    facts.publishA = await outcome(() => a1.channels.get(name).publish('from-a', 'secret of A'), 'appA publish');
    facts.enterA = await outcome(() => a1.channels.get(name).presence.enter('A here'), 'appA enter');
    await aCol.waitFor('from-a'); // positive control: appA's own subscriber gets it
    facts.publishB = await outcome(() => b1.channels.get(name).publish('marker-b', 'B'), 'appB marker');
    facts.enterB = await outcome(() => b1.channels.get(name).presence.enter('B here'), 'appB enter');
    await bCol.waitFor('marker-b');
    facts.receivedA = aCol.facts();
    facts.receivedB = bCol.facts();
    const bPresence = bSub.channels.get(name).presence;
    facts.membersB = (await until(async () => {
      const list = await withTimeout(bPresence.get(), WAIT_MS, 'appB presence.get');
      return list.some((p) => p.clientId === 'b-user') ? list : null;
    }, 'b-user in appB presence')).map(presenceFacts);
    // appA's ENTER reaches aSub on its own connection, ordered by nothing above: wait for it as for b-user
    const aPresence = aSub.channels.get(name).presence;
    facts.membersA = (await until(async () => {
      const list = await withTimeout(aPresence.get(), WAIT_MS, 'appA presence.get');
      return list.some((p) => p.clientId === 'a-user') ? list : null;
    }, 'a-user in appA presence')).map(presenceFacts);
  },
};

// ---------------------------------------------------------------------------------------------

// independent clients and channels: run them side by side
run({
  scenarios,
  only: args.only,
  scenarioTimeoutMs: SCENARIO_TIMEOUT_MS,
  processTimeoutMs: PROCESS_TIMEOUT_MS,
  sequential: false,
  newClients: () => new Clients(),
});
