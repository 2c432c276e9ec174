'use strict';
/*
 * The real, unmodified ably-js over TLS (its default, tls: true) against hubbub, trusting a CA the
 * test made and handed to node through NODE_EXTRA_CA_CERTS; and an API key refused over plaintext.
 *
 *   node ablyjs-tls.js --tlsPort N --plainPort M --format msgpack|json --key app.k:secret --token T [--only a,b]
 *
 * Driven by dev.hubbub.server.tls.AblyJsTlsTest, which starts both brokers (each refusing a key
 * over plaintext: one with TLS, one without) and makes every assertion. Prints ONE line of JSON per
 * scenario, {"scenario": name, "format": f, "ok": true|false, "error": "..."?, "facts": {...}}, and
 * a final {"done": true}. Every wait is bounded; the process exits after PROCESS_TIMEOUT_MS.
 */
const { parseArgs, errorFacts, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 15000;
const WAIT_MS = 8000;
const PROCESS_TIMEOUT_MS = 40000;

const args = parseArgs(process.argv.slice(2), ['tlsPort', 'plainPort', 'format', 'key', 'token']);
const TLS_PORT = Number(args.tlsPort);
const PLAIN_PORT = Number(args.plainPort);
const FORMAT = args.format;

const { Clients, connected, until, outcome, channelName, collector, run } =
  harness({ port: PLAIN_PORT, format: FORMAT, waitMs: WAIT_MS });

/** Options for the TLS broker: wss:// and https:// on its port, as an application would set them. */
function tlsOptions(extra) {
  return Object.assign({
    endpoint: '127.0.0.1',
    tls: true,
    tlsPort: TLS_PORT,
    useBinaryProtocol: FORMAT === 'msgpack',
    connectivityCheckUrl: `https://127.0.0.1:${TLS_PORT}/is-the-internet-up.txt`,
    wsConnectivityCheckUrl: `wss://127.0.0.1:${TLS_PORT}/`,
    logLevel: process.env.ABLYJS_LOG_LEVEL ? Number(process.env.ABLYJS_LOG_LEVEL) : 0,
    logHandler: (msg) => process.stderr.write('[ably] ' + msg + '\n'),
  }, extra);
}

/** Options for the plain broker: ws:// and http://. */
function plainOptions(extra) {
  return Object.assign({
    endpoint: '127.0.0.1',
    tls: false,
    port: PLAIN_PORT,
    useBinaryProtocol: FORMAT === 'msgpack',
    connectivityCheckUrl: `http://127.0.0.1:${PLAIN_PORT}/is-the-internet-up.txt`,
    wsConnectivityCheckUrl: `ws://127.0.0.1:${PLAIN_PORT}/`,
    logLevel: process.env.ABLYJS_LOG_LEVEL ? Number(process.env.ABLYJS_LOG_LEVEL) : 0,
    logHandler: (msg) => process.stderr.write('[ably] ' + msg + '\n'),
  }, extra);
}

/** The URL of the transport a client connected with (an ably-js internal; null if it moved). */
function transportUri(client) {
  try {
    const t = client.connection.connectionManager.activeProtocol.getTransport();
    return t.uri || (t.wsHost ? (t.options.tls ? 'wss://' : 'ws://') + t.wsHost : null);
  } catch (e) {
    return null;
  }
}

const scenarios = {
  /** Two clients with the key over wss://: a message from one reaches the other. */
  async realtimeOverWss(clients, facts) {
    const bob = await connected(clients.realtime(tlsOptions({ key: args.key, clientId: 'bob' })), 'bob');
    const alice = await connected(clients.realtime(tlsOptions({ key: args.key, clientId: 'alice' })), 'alice');
    facts.states = [bob.connection.state, alice.connection.state];
    facts.transportUri = transportUri(alice);
    const name = channelName('wss');
    const col = await collector(bob, name);
    await alice.channels.get(name).publish('greeting', 'over TLS');
    const m = await col.waitFor('greeting');
    facts.received = { name: m.name, data: m.data, clientId: m.clientId };
  },

  /** REST over https://: the server's time, a publish with the key, and the history that publish made. */
  async restOverHttps(clients, facts) {
    const rest = clients.rest(tlsOptions({ key: args.key }));
    facts.time = await rest.time();
    facts.localTime = Date.now();
    const name = channelName('https');
    await rest.channels.get(name).publish('stored', 'kept for history');
    const page = await rest.channels.get(name).history();
    facts.history = page.items.map((m) => ({ name: m.name, data: m.data }));
  },

  /** The key over plain ws:// and http:// to a broker that refuses it there. */
  async keyOverPlaintextRefused(clients, facts) {
    const client = clients.realtime(plainOptions({ key: args.key, clientId: 'alice' }));
    await until(() => client.connection.state === 'failed' || client.connection.state === 'connected', 'failed');
    facts.state = client.connection.state;
    facts.reason = errorFacts(client.connection.errorReason);
    const rest = clients.rest(plainOptions({ key: args.key }));
    facts.restPublish = await outcome(() => rest.channels.get(channelName('plain')).publish('never', 'x'), 'rest publish');
  },

  /** A token over plain ws:// to the same broker: accepted, as on Ably. */
  async tokenOverPlaintextAccepted(clients, facts) {
    const client = await connected(clients.realtime(plainOptions({ token: args.token })), 'token client');
    facts.state = client.connection.state;
    facts.clientId = client.auth.clientId;
  },
};

run({
  scenarios,
  only: args.only,
  scenarioTimeoutMs: SCENARIO_TIMEOUT_MS,
  processTimeoutMs: PROCESS_TIMEOUT_MS,
  sequential: false,
  // scenarios give whole options (tlsOptions / plainOptions): each names the broker it talks to
  newClients: () => new Clients((options) => options),
});
