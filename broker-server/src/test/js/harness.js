'use strict';
/*
 * What the ably-js scripts (ablyjs-scenarios.js, ablyjs-continuity.js) share: their arguments, the
 * JSON lines they print, bounded waits, client options and bookkeeping, the facts they report, and
 * the loop that runs their scenarios. Each script gets its own helpers from harness({...}) with its
 * broker's port, its wire format and how long one wait may take.
 */
const Ably = require('ably');

/** --name value pairs; throws on a stray argument, a missing required one or a --format not msgpack or json. */
function parseArgs(argv, required) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) throw new Error('unexpected argument ' + argv[i]);
    args[argv[i].slice(2)] = argv[++i];
  }
  for (const name of required) {
    if (!args[name]) throw new Error('missing --' + name);
  }
  if (args.format !== 'msgpack' && args.format !== 'json') throw new Error('--format must be msgpack or json');
  return args;
}

/** One line of JSON on stdout, which the test reads. */
function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timed out after ' + ms + ' ms: ' + what)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

function errorFacts(err) {
  if (!err) return null;
  return { code: err.code === undefined ? null : err.code, statusCode: err.statusCode === undefined ? null : err.statusCode, message: String(err.message) };
}

function nameOf(m) { return m.name === undefined ? null : m.name; }

/**
 * The helpers of one script.
 *
 * @param port the broker's port (clients connect there unless their options say otherwise)
 * @param format 'msgpack' or 'json'
 * @param waitMs how long any one wait may take
 * @param outcomeValues whether outcome() reports what the operation resolved to
 * @param waitForClose whether Clients.closeAll() waits (bounded) until every client is closed
 */
function harness({ port, format, waitMs, outcomeValues = false, waitForClose = false }) {
  const runId = Math.random().toString(36).slice(2, 8);

  /** Client options per sdk-wire-notes §1: everything points at 127.0.0.1:port, nothing at Ably; extra wins. */
  function clientOptions(extra) {
    return Object.assign({
      endpoint: '127.0.0.1',
      port,
      tls: false,
      useBinaryProtocol: format === 'msgpack',
      connectivityCheckUrl: `http://127.0.0.1:${port}/is-the-internet-up.txt`,
      wsConnectivityCheckUrl: `ws://127.0.0.1:${port}/`,
      logLevel: process.env.ABLYJS_LOG_LEVEL ? Number(process.env.ABLYJS_LOG_LEVEL) : 0,
      logHandler: (msg) => process.stderr.write('[ably] ' + msg + '\n'),
    }, extra);
  }

  /** Every client a scenario creates, closed when the scenario ends; options(extra, viaProxy) makes their options. */
  class Clients {
    constructor(options) {
      this.options = options || ((extra) => clientOptions(extra));
      this.all = [];
    }
    realtime(extra, viaProxy) {
      const c = new Ably.Realtime(this.options(extra, viaProxy));
      this.all.push(c);
      return c;
    }
    rest(extra) {
      return new Ably.Rest(this.options(extra, false));
    }
    /** Closes every client; with waitForClose, resolves once each is closed (or waitMs passed). */
    closeAll() {
      const waits = [];
      for (const c of this.all) {
        try {
          c.close();
          if (waitForClose) waits.push(withTimeout(c.connection.whenState('closed'), waitMs, 'close').catch(() => null));
        } catch (e) { /* ignore */ }
      }
      return Promise.all(waits);
    }
  }

  async function connected(client, what) {
    await withTimeout(client.connection.whenState('connected'), waitMs, (what || 'client') + ' connecting');
    return client;
  }

  /** Polls cond() every 20 ms until it is truthy or waitMs passes; throws on timeout. */
  async function until(cond, what) {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const v = await cond();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Runs op; returns {resolved:true} (with its value, if outcomeValues) or {resolved:false, error:{code,statusCode,message}}. */
  async function outcome(op, what) {
    try {
      const value = await withTimeout(op(), waitMs, what);
      return outcomeValues ? { resolved: true, value: value === undefined ? null : value } : { resolved: true };
    } catch (err) {
      return { resolved: false, error: errorFacts(err) };
    }
  }

  function channelName(scenario) {
    return `ablyjs-${scenario}-${format}-${runId}`;
  }

  /** Subscribes (attaches) and collects every message; records the channel's state changes. */
  async function collector(client, name, channelOptions) {
    const channel = channelOptions ? client.channels.get(name, channelOptions) : client.channels.get(name);
    const received = [];
    const changes = [];
    channel.on((c) => changes.push({ previous: c.previous, current: c.current, resumed: !!c.resumed, reason: errorFacts(c.reason) }));
    await withTimeout(channel.subscribe((m) => received.push(m)), waitMs, 'subscribe ' + name);
    return {
      channel,
      received,
      changes,
      names: () => received.map(nameOf),
      waitFor: (msgName) => until(() => received.find((m) => m.name === msgName), 'message "' + msgName + '" on ' + name),
    };
  }

  /**
   * Runs the scenarios named by --only (default: all), each with new Clients and a facts object,
   * printing one line per scenario and a final {"done": true}; the process exits after
   * processTimeoutMs whatever happens.
   *
   * @param sequential one after another (else side by side)
   * @param newClients makes the Clients of one scenario
   * @param prepare awaited before each scenario; a throw fails it
   */
  function run({ scenarios, only, scenarioTimeoutMs, processTimeoutMs, sequential, newClients, prepare }) {
    async function runScenario(name) {
      const clients = newClients();
      const facts = {};
      const started = Date.now();
      try {
        if (prepare) await prepare();
        await withTimeout(scenarios[name](clients, facts), scenarioTimeoutMs, 'scenario ' + name);
        emit({ scenario: name, format, ok: true, millis: Date.now() - started, facts });
      } catch (err) {
        emit({ scenario: name, format, ok: false, millis: Date.now() - started, error: String(err && err.stack || err), facts });
      } finally {
        await clients.closeAll();
      }
    }

    async function main() {
      const watchdog = setTimeout(() => {
        emit({ done: false, error: 'process timeout after ' + processTimeoutMs + ' ms' });
        process.exit(3);
      }, processTimeoutMs);
      const names = only ? only.split(',') : Object.keys(scenarios);
      for (const name of names) {
        if (!scenarios[name]) throw new Error('unknown scenario ' + name);
      }
      if (sequential) {
        for (const name of names) await runScenario(name);
      } else {
        await Promise.all(names.map(runScenario));
      }
      clearTimeout(watchdog);
      emit({ done: true });
      // closing clients leaves sockets and timers behind for a moment; do not wait for them
      setTimeout(() => process.exit(0), 50);
    }

    main().catch((err) => {
      emit({ done: false, error: String(err && err.stack || err) });
      process.exit(2);
    });
  }

  return { clientOptions, Clients, connected, until, outcome, channelName, collector, run };
}

module.exports = { parseArgs, emit, withTimeout, errorFacts, nameOf, harness };
