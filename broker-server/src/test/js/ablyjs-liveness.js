'use strict';
/*
 * Idle connections kept alive, end to end with the real, unmodified ably-js.
 *
 *   node ablyjs-liveness.js --port N --format msgpack|json --key app.k:secret --idle-ms N [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.LivenessAblyJsTest, which starts the broker (with a short
 * maxIdleInterval) in-process and makes every assertion; this script only observes and prints ONE
 * line of JSON per scenario and a final {"done": true} line.
 */
const { parseArgs, errorFacts, harness } = require('./harness');

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key', 'idle-ms']);
const KEY = args.key;
const IDLE_MS = Number(args['idle-ms']);

const { Clients, connected, run } = harness({ port: Number(args.port), format: args.format, waitMs: 8000 });

const scenarios = {
  /**
   * A client (which says heartbeats=false on Node: it sees WebSocket pings) with a 1 s
   * realtimeRequestTimeout drops its transport when nothing arrives for maxIdleInterval + 1 s.
   * It stays idle for six times maxIdleInterval; every state change it goes through is recorded.
   */
  async idleClientStaysOnItsTransport(clients, facts) {
    const client = await connected(clients.realtime({ key: KEY, clientId: 'idle', realtimeRequestTimeout: 1000 }), 'client');
    const changes = [];
    client.connection.on((c) => changes.push({ current: c.current, reason: errorFacts(c.reason) }));
    facts.idBefore = client.connection.id;
    await new Promise((resolve) => setTimeout(resolve, 6 * IDLE_MS));
    facts.idAfter = client.connection.id;
    facts.state = client.connection.state;
    facts.changes = changes;
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
