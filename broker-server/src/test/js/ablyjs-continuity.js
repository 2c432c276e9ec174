'use strict';
/*
 * Continuity scenarios (resume, recover, rewind, history, idempotent REST publishing) with the real,
 * unmodified ably-js against a running hubbub broker and a cutting proxy in front of it.
 *
 *   node ablyjs-continuity.js --port N --proxyPort P --format msgpack|json --key app.k:secret --otherKey app2.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.continuity.AblyJsContinuityTest, which owns the broker (with a clock it
 * moves by hand) and the proxy, and makes every assertion. The script asks the test to act on them
 * with control lines on stdout, {"control": op, "id": n, ...}, and reads one answer line per request
 * on stdin, {"id": n, "ok": true, "value": ...}. For every scenario it prints ONE line of JSON
 *   {"scenario": name, "format": f, "ok": true|false, "error": "..."?, "facts": {...}}
 * and a final {"done": true} line. Scenarios run one after another: a cut cuts every proxied
 * connection. Every wait is bounded; the whole process exits after PROCESS_TIMEOUT_MS.
 */
const readline = require('readline');
const { parseArgs, emit, withTimeout, errorFacts, nameOf, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 40000;
const WAIT_MS = 10000;
const PROCESS_TIMEOUT_MS = 140000;

const args = parseArgs(process.argv.slice(2), ['port', 'proxyPort', 'format', 'key', 'otherKey']);
const PORT = Number(args.port);
const PROXY_PORT = Number(args.proxyPort);
const FORMAT = args.format;
const KEY = args.key;
const OTHER_KEY = args.otherKey;

const { clientOptions, Clients, connected, until, outcome, channelName, collector, run } =
  harness({ port: PORT, format: FORMAT, waitMs: WAIT_MS, outcomeValues: true, waitForClose: true });

// ---------------------------------------------------------------------------------------------
// the test's side: control requests and their answers

let nextControlId = 1;
const pendingControls = new Map();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  let answer;
  try {
    answer = JSON.parse(line);
  } catch (e) {
    return;
  }
  const pending = pendingControls.get(answer.id);
  if (!pending) return;
  pendingControls.delete(answer.id);
  if (answer.ok) pending.resolve(answer.value);
  else pending.reject(new Error('control ' + pending.op + ' failed: ' + answer.error));
});

/** Asks the test to act: cut, holdNew, refuseNew, admitNew, stats, advance (ms on the broker's clock), disconnects. */
function control(op, extra) {
  const id = nextControlId++;
  return withTimeout(new Promise((resolve, reject) => {
    pendingControls.set(id, { resolve, reject, op });
    emit(Object.assign({ control: op, id }, extra || {}));
  }), WAIT_MS, 'control ' + op);
}

// ---------------------------------------------------------------------------------------------
// helpers

/**
 * Options for the broker itself, or (viaProxy) for the proxy in front of it. The connectivity check
 * always reaches the broker (clientOptions points it at PORT): the proxy's refusals are not "no internet".
 */
function options(extra, viaProxy) {
  return clientOptions(Object.assign({
    port: viaProxy ? PROXY_PORT : PORT,
    disconnectedRetryTimeout: 500,
    suspendedRetryTimeout: 500,
  }, extra));
}

function messageFacts(m) {
  return {
    name: nameOf(m),
    id: m.id === undefined ? null : m.id,
    connectionId: m.connectionId === undefined ? null : m.connectionId,
  };
}

function connectionChanges(client) {
  const changes = [];
  client.connection.on((c) => changes.push({ previous: c.previous, current: c.current, reason: errorFacts(c.reason) }));
  return changes;
}

async function pages(first) {
  const all = [];
  let page = first;
  for (let n = 0; n < 10; n++) {
    all.push(page.items.map(nameOf));
    if (!page.hasNext()) return { pages: all, lastIsLast: page.isLast() };
    page = await withTimeout(page.next(), WAIT_MS, 'next page');
  }
  return { pages: all, lastIsLast: false };
}

// ---------------------------------------------------------------------------------------------
// scenarios: each gets (clients, facts) and fills facts; a throw ends it with ok:false

/**
 * Resume across a cut: alice (through the proxy) is subscribed and present; her transport is cut,
 * MISSED messages are published while her reconnect waits in the proxy, then she is let through.
 */
async function resumeAcrossCut(clients, facts, brokerSide) {
  const MISSED = 5;
  const name = channelName('resume' + brokerSide);
  const watcher = await connected(clients.realtime({ key: KEY, clientId: 'watcher' }), 'watcher');
  const presenceEvents = [];
  await withTimeout(watcher.channels.get(name).presence.subscribe((p) => presenceEvents.push({ action: p.action, clientId: p.clientId })),
    WAIT_MS, 'watcher presence.subscribe');
  const pub = await connected(clients.realtime({ key: KEY, clientId: 'pub' }), 'publisher');
  const pubChannel = pub.channels.get(name);

  const alice = await connected(clients.realtime({ key: KEY, clientId: 'alice' }, true), 'alice');
  const col = await collector(alice, name);
  await withTimeout(col.channel.presence.enter('here'), WAIT_MS, 'alice enter');
  await until(() => presenceEvents.find((p) => p.clientId === 'alice'), 'the watcher sees alice');
  await withTimeout(pubChannel.publish('before', 'b'), WAIT_MS, 'publish before');
  await col.waitFor('before');

  facts.idBefore = alice.connection.id;
  const connChanges = connectionChanges(alice);
  col.changes.length = 0;
  await control('holdNew');
  facts.cut = await control('cut', { brokerSide });
  await until(async () => (await control('stats')).held >= 1, 'alice reconnecting through the proxy');
  for (let i = 1; i <= MISSED; i++) {
    await withTimeout(pubChannel.publish('missed-' + i, 'm'), WAIT_MS, 'publish missed-' + i);
  }
  await control('admitNew');
  await until(() => alice.connection.state === 'connected' && col.channel.state === 'attached'
    && col.received.length >= 1 + MISSED, 'alice back with every missed message');
  await withTimeout(pubChannel.publish('after', 'a'), WAIT_MS, 'publish after');
  await col.waitFor('after');
  facts.idAfter = alice.connection.id;
  facts.received = col.received.map(messageFacts);
  facts.connectionChanges = connChanges;
  facts.errorReason = errorFacts(alice.connection.errorReason);
  facts.channelChanges = col.changes;

  // past any presence grace period on the broker's clock; a marker's ENTER comes after anything before it
  await control('advance', { millis: 60000 });
  const marker = await connected(clients.realtime({ key: KEY, clientId: 'marker' }), 'marker');
  await withTimeout(marker.channels.get(name).presence.enter('m'), WAIT_MS, 'marker enter');
  await until(() => presenceEvents.find((p) => p.clientId === 'marker'), 'the watcher sees the marker');
  facts.aliceEvents = presenceEvents.filter((p) => p.clientId === 'alice').map((p) => p.action);
  facts.members = (await withTimeout(watcher.channels.get(name).presence.get(), WAIT_MS, 'presence.get')).map((p) => p.clientId).sort();
  if (brokerSide === 'LEAVE_OPEN') {
    await until(async () => (await control('stats')).abandonedEndedByBroker >= 1, 'the broker closing the old transport');
  }
  facts.stats = await control('stats');
  facts.superseded = await control('disconnects', { reason: 'superseded' });
}

const scenarios = {
  resumeBrokerSideClosed(clients, facts) { return resumeAcrossCut(clients, facts, 'CLOSE'); },

  resumeBrokerSideLeftOpen(clients, facts) { return resumeAcrossCut(clients, facts, 'LEAVE_OPEN'); },

  /** Recover from a new instance (RTN16): same id, the attach resumes, msgSerial goes on from the key. */
  async recoverNewInstance(clients, facts) {
    const name = channelName('recover');
    const pub = await connected(clients.realtime({ key: KEY, clientId: 'pub' }), 'publisher');
    const pubCol = await collector(pub, name);
    const old = await connected(clients.realtime({ key: KEY, clientId: 'alice' }, true), 'old alice');
    const oldCol = await collector(old, name);
    await withTimeout(oldCol.channel.publish('mine', 'm'), WAIT_MS, 'old publish');
    await oldCol.waitFor('mine');
    facts.id = old.connection.id;
    const recoveryKey = old.connection.createRecoveryKey();
    facts.recoveryKey = JSON.parse(recoveryKey);
    facts.recoveryKey.connectionKey = facts.recoveryKey.connectionKey ? '<present>' : null; // a secret
    await control('refuseNew');
    await control('cut', { brokerSide: 'CLOSE' });
    for (let i = 1; i <= 3; i++) {
      await withTimeout(pub.channels.get(name).publish('missed-' + i, 'm'), WAIT_MS, 'publish missed');
    }
    const recovered = await connected(clients.realtime({ key: KEY, clientId: 'alice', recover: recoveryKey }), 'recovered');
    facts.recoveredId = recovered.connection.id;
    facts.recoveredReason = errorFacts(recovered.connection.errorReason);
    const col = await collector(recovered, name);
    await until(() => col.received.length >= 3, 'the missed messages');
    await withTimeout(col.channel.publish('from-recovered', 'r'), WAIT_MS, 'recovered publish');
    await pubCol.waitFor('from-recovered');
    await col.waitFor('from-recovered');
    facts.received = col.received.map(messageFacts);
    facts.channelChanges = col.changes;
    facts.seenByPublisher = pubCol.received.map(messageFacts);
  },

  /** Rewind by count and by time (on the broker's clock), and a plain attach for contrast. */
  async rewind(clients, facts) {
    const name = channelName('rewind');
    const rest = clients.rest({ key: KEY });
    const channel = rest.channels.get(name);
    await channel.publish('old-1', 'o');
    await channel.publish('old-2', 'o');
    await control('advance', { millis: 60000 });
    for (let i = 1; i <= 3; i++) await channel.publish('new-' + i, 'n');
    const byCount = await collector(await connected(clients.realtime({ key: KEY }), 'count'), name, { params: { rewind: '3' } });
    const bySeconds = await collector(await connected(clients.realtime({ key: KEY }), 'seconds'), name, { params: { rewind: '30s' } });
    const byMinutes = await collector(await connected(clients.realtime({ key: KEY }), 'minutes'), name, { params: { rewind: '2m' } });
    const plain = await collector(await connected(clients.realtime({ key: KEY }), 'plain'), name);
    await channel.publish('live', 'l');
    for (const c of [byCount, bySeconds, byMinutes, plain]) await c.waitFor('live');
    facts.byCount = byCount.names();
    facts.bySeconds = bySeconds.names();
    facts.byMinutes = byMinutes.names();
    facts.plain = plain.names();
    facts.byCountParams = byCount.channel.params || null;
  },

  /** The qualifier form: the whole '[?rewind=2]name' is the channel name ably-js attaches and routes by. */
  async rewindQualifier(clients, facts) {
    const name = channelName('qualifier');
    const rest = clients.rest({ key: KEY });
    for (let i = 1; i <= 3; i++) await rest.channels.get(name).publish('q-' + i, 'q');
    const client = await connected(clients.realtime({ key: KEY }), 'qualified');
    const qualified = client.channels.get('[?rewind=2]' + name);
    const received = [];
    facts.attach = await outcome(() => qualified.subscribe((m) => received.push(m)), 'subscribe qualified');
    if (facts.attach.resolved) {
      await rest.channels.get(name).publish('live', 'l');
      await until(() => received.find((m) => m.name === 'live'), 'live on the qualified channel');
    }
    facts.received = received.map(nameOf);
  },

  /** History: untilAttach (RTL10b), paging both ways, another app's view. */
  async history(clients, facts) {
    const name = channelName('history');
    const rest = clients.rest({ key: KEY });
    for (let i = 1; i <= 3; i++) await rest.channels.get(name).publish('before-' + i, 'b');
    const reader = await connected(clients.realtime({ key: KEY }), 'reader');
    const col = await collector(reader, name);
    await rest.channels.get(name).publish('after-1', 'a');
    await rest.channels.get(name).publish('after-2', 'a');
    await col.waitFor('after-2');
    facts.untilAttach = (await withTimeout(col.channel.history({ untilAttach: true }), WAIT_MS, 'history untilAttach')).items.map(nameOf);
    facts.all = (await withTimeout(col.channel.history(), WAIT_MS, 'history')).items.map(nameOf);
    facts.backwards = await pages(await withTimeout(rest.channels.get(name).history({ limit: 2 }), WAIT_MS, 'rest history'));
    facts.forwards = await pages(await withTimeout(rest.channels.get(name).history({ limit: 2, direction: 'forwards' }), WAIT_MS, 'rest history'));
    const other = clients.rest({ key: OTHER_KEY });
    facts.otherApp = (await withTimeout(other.channels.get(name).history(), WAIT_MS, 'other app history')).items.map(nameOf);
  },

  /** A REST publish retried with the same ids (client-chosen) is delivered and stored once; library ids are base:index. */
  async restIdempotent(clients, facts) {
    const name = channelName('idempotent');
    const sub = await connected(clients.realtime({ key: KEY }), 'subscriber');
    const col = await collector(sub, name);
    const rest = clients.rest({ key: KEY });
    const batch = () => [{ id: 'chosen-1', name: 'a', data: '1' }, { id: 'chosen-2', name: 'b', data: '2' }];
    facts.first = await outcome(() => rest.channels.get(name).publish(batch()), 'publish');
    facts.retry = await outcome(() => rest.channels.get(name).publish(batch()), 'publish again');
    facts.generated = await outcome(() => rest.channels.get(name).publish([{ name: 'gen-1', data: 'g' }, { name: 'gen-2', data: 'g' }]), 'publish generated');
    await rest.channels.get(name).publish('marker', 'm');
    await col.waitFor('marker');
    facts.received = col.received.map(messageFacts);
    facts.stored = (await withTimeout(rest.channels.get(name).history({ direction: 'forwards' }), WAIT_MS, 'history')).items.map(messageFacts);
  },
};

// ---------------------------------------------------------------------------------------------

// one after another: a cut cuts every connection through the proxy
run({
  scenarios,
  only: args.only,
  scenarioTimeoutMs: SCENARIO_TIMEOUT_MS,
  processTimeoutMs: PROCESS_TIMEOUT_MS,
  sequential: true,
  newClients: () => new Clients(options),
  async prepare() {
    await control('admitNew'); // whatever the last scenario left
    await until(async () => (await control('stats')).forwarding === 0, 'no connection left through the proxy');
  },
});
