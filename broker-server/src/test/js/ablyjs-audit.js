'use strict';
/*
 * The [meta]identity audit stream with the real, unmodified ably-js.
 *
 *   node ablyjs-audit.js --port N --format msgpack|json --key app.k:secret --watch app.w:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.AuditAblyJsTest, which makes every assertion: --key may do
 * anything on ordinary channels ({"*":["*"]}), --watch may subscribe to and read the history of
 * [meta]identity. This script only observes and prints one line of JSON per scenario and a final
 * {"done": true}.
 */
const { parseArgs, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 15000;
const WAIT_MS = 8000;
const PROCESS_TIMEOUT_MS = 40000;
const AUDIT = '[meta]identity';

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key', 'watch']);
const PORT = Number(args.port);
const FORMAT = args.format;

const { Clients, connected, until, outcome, channelName, run } = harness({ port: PORT, format: FORMAT, waitMs: WAIT_MS });

function facts(m) {
  return { name: m.name, clientId: m.clientId === undefined ? null : m.clientId, data: m.data };
}

const scenarios = {
  /** A watcher sees a masquerade by another connection of its app; rewind and history return it too. */
  async masquerade(clients, f) {
    const mallory = 'mallory-' + FORMAT;
    const watcher = await connected(clients.realtime({ key: args.watch }), 'watcher');
    const received = [];
    await watcher.channels.get(AUDIT).subscribe((m) => received.push(m));

    const alice = await connected(clients.realtime({ key: args.key, clientId: 'alice' }), 'alice');
    const room = channelName('room');
    f.publish = await outcome(() => alice.channels.get(room).publish({ name: 'n', data: 'd', clientId: mallory }), 'publish');

    const mine = (m) => m.name === 'masquerade' && m.data && m.data.claimedClientId === mallory;
    await until(() => received.find(mine), 'the masquerade event');
    f.received = facts(received.find(mine));

    const late = await connected(clients.realtime({ key: args.watch }), 'late');
    const rewound = [];
    await late.channels.get(AUDIT, { params: { rewind: '10' } }).subscribe((m) => rewound.push(m));
    await until(() => rewound.find(mine), 'the masquerade event, rewound');
    f.rewound = rewound.filter(mine).map(facts);

    const page = await clients.rest({ key: args.watch }).channels.get(AUDIT).history({ limit: 100 });
    f.history = page.items.filter(mine).map(facts);
  },

  /** A key whose capability is {"*":["*"]} may not attach, nor publish. */
  async refused(clients, f) {
    const all = await connected(clients.realtime({ key: args.key }), 'all');
    f.attach = await outcome(() => all.channels.get(AUDIT).attach(), 'attach');
    f.publish = await outcome(() => clients.rest({ key: args.key }).channels.get(AUDIT).publish('forged', 'x'), 'publish');
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
