'use strict';
/*
 * Presence per person (channel param presenceBy=clientId), end to end with the real, unmodified ably-js.
 *
 *   node ablyjs-presenceby.js --port N --format msgpack|json --key app.k:secret [--only a,b]
 *
 * Driven by dev.hubbub.server.ablyjs.PresenceByAblyJsTest, which makes every assertion; this
 * script only observes and prints one line of JSON per scenario and a final {"done": true}.
 */
const { parseArgs, errorFacts, harness } = require('./harness');

const SCENARIO_TIMEOUT_MS = 20000;
const WAIT_MS = 8000;
const PROCESS_TIMEOUT_MS = 40000;
const BY_CLIENT = { params: { presenceBy: 'clientId' } };

const args = parseArgs(process.argv.slice(2), ['port', 'format', 'key']);
const KEY = args.key;

const { Clients, connected, until, outcome, channelName, run } = harness({ port: Number(args.port), format: args.format, waitMs: WAIT_MS });

/** "clientId=data" per member, sorted. */
async function members(channel) {
  return (await channel.presence.get()).map((m) => m.clientId + '=' + m.data).sort();
}

function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

const scenarios = {
  /**
   * alice enters from a phone and a laptop; a presenceBy=clientId subscriber (and one attaching
   * later) lists her once with the latest data, a standard subscriber twice; the laptop leaving
   * leaves her present with the phone's data; the phone leaving removes her.
   */
  async aPersonOnTwoConnections(clients, facts) {
    const name = channelName('person');
    const vera = await connected(clients.realtime({ key: KEY, clientId: 'vera' }), 'vera');
    const viewer = vera.channels.get(name, BY_CLIENT);
    const events = [];
    await viewer.presence.subscribe((p) => events.push({ action: p.action, clientId: p.clientId, data: p.data === undefined ? null : p.data }));
    facts.viewerParams = viewer.params;
    const walt = await connected(clients.realtime({ key: KEY, clientId: 'walt' }), 'walt');
    const standard = walt.channels.get(name);
    await standard.attach();
    const phone = (await connected(clients.realtime({ key: KEY, clientId: 'alice' }), 'phone')).channels.get(name);
    const laptop = (await connected(clients.realtime({ key: KEY, clientId: 'alice' }), 'laptop')).channels.get(name);

    facts.enterPhone = await outcome(() => phone.presence.enter('phone'), 'enter phone');
    facts.enterLaptop = await outcome(() => laptop.presence.enter('laptop'), 'enter laptop');
    await until(async () => (await members(standard)).length === 2, 'two members in the standard view');
    facts.standardBoth = await members(standard);
    await until(async () => same(await members(viewer), ['alice=laptop']), 'alice once, with the laptop data');
    facts.viewerBoth = await members(viewer);

    const lena = await connected(clients.realtime({ key: KEY, clientId: 'lena' }), 'lena');
    const late = lena.channels.get(name, BY_CLIENT);
    await late.attach();
    facts.lateBoth = await members(late);

    facts.leaveLaptop = await outcome(() => laptop.presence.leave(), 'leave laptop');
    await until(async () => same(await members(standard), ['alice=phone']), 'the standard view without the laptop');
    await until(async () => same(await members(viewer), ['alice=phone']), 'alice with the phone data');
    facts.viewerPhoneOnly = await members(viewer);
    facts.eventsAfterLaptopLeft = events.slice();

    facts.leavePhone = await outcome(() => phone.presence.leave(), 'leave phone');
    await until(async () => (await members(viewer)).length === 0, 'alice gone');
    await until(async () => (await members(late)).length === 0, 'alice gone for the late one');
    facts.events = events.slice();
  },

  /**
   * A client that is present itself: it enters on the plain channel (so ably-js knows its own
   * member and re-enters it after a failed resume) and watches the same channel per person under a
   * qualified name; entering on a presenceBy=clientId channel itself works too.
   */
  async presentAndWatchingPerPerson(clients, facts) {
    const name = channelName('self');
    const alice = await connected(clients.realtime({ key: KEY, clientId: 'alice' }), 'alice');
    const plain = alice.channels.get(name);
    const perPerson = alice.channels.get('[?presenceBy=clientId]' + name);
    await perPerson.attach();
    facts.qualifiedParams = perPerson.params;
    const phone = (await connected(clients.realtime({ key: KEY, clientId: 'alice' }), 'phone')).channels.get(name);
    facts.enterPlain = await outcome(() => plain.presence.enter('desk'), 'enter on the plain channel');
    facts.enterPhone = await outcome(() => phone.presence.enter('phone'), 'enter from the phone');
    await until(async () => (await members(plain)).length === 2, 'two members in the plain view');
    facts.plainMembers = await members(plain);
    await until(async () => same(await members(perPerson), ['alice=phone']), 'one person in the qualified view');
    facts.perPersonMembers = await members(perPerson);

    const bob = await connected(clients.realtime({ key: KEY, clientId: 'bob' }), 'bob');
    const bobChannel = bob.channels.get(name, BY_CLIENT);
    facts.enterByClient = await outcome(() => bobChannel.presence.enter('hi'), 'enter on a presenceBy channel');
    await until(async () => (await members(bobChannel)).includes('bob=hi'), 'bob sees himself');
    facts.bobSees = await members(bobChannel);
  },

  /** An unknown presenceBy value: the attach fails. */
  async anUnknownValue(clients, facts) {
    const name = channelName('unknown');
    const carl = await connected(clients.realtime({ key: KEY, clientId: 'carl' }), 'carl');
    const channel = carl.channels.get(name, { params: { presenceBy: 'device' } });
    facts.attach = await outcome(() => channel.attach(), 'attach');
    facts.state = channel.state;
    facts.reason = errorFacts(channel.errorReason);
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
