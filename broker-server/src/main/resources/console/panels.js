/*
 * hubbub console: Identity, Node and Tokens (console.js holds Connect, Channels and Presence).
 * Node and the rejected-claims table read the public /metrics (Prometheus text) of the port
 * that served this page; nothing else of the broker is read outside the SDK.
 */
'use strict';

(() => {
  const { $, el, show, describeError, hostOptions, connectKey, outcome } = hubbub;
  const AUDIT = '[meta]identity';
  const POLL_MS = 1000;
  const SAMPLES = 120;

  // ---- Identity: the [meta]identity stream when the credentials allow it ----

  function auditEvent(m) {
    const li = el('li');
    li.dataset.name = m.name || '';
    li.append(el('span', new Date(m.timestamp || Date.now()).toLocaleTimeString(), 'tag'));
    li.append(el('span', m.name || '(event)', 'tag'));
    li.append(el('span', typeof m.data === 'string' ? m.data : JSON.stringify(m.data)));
    const log = $('audit-log');
    log.prepend(li);
    while (log.children.length > 200) log.lastChild.remove();
  }

  hubbub.onConnected(async (client) => {
    const status = $('audit-status');
    status.dataset.state = 'attaching';
    status.textContent = 'Attaching to ' + AUDIT + '…';
    try {
      await client.channels.get(AUDIT).subscribe(auditEvent);
      status.dataset.state = 'watching';
      status.textContent = 'Watching ' + AUDIT + ' for this app.';
    } catch (e) {
      status.dataset.state = 'refused';
      status.textContent = 'These credentials may not subscribe to ' + AUDIT + ' (' + describeError(e)
        + '); a key whose capability names it, e.g. {"[meta]identity":["subscribe"]}, may. '
        + 'Below: the node\'s rejected-claims counters from /metrics.';
    }
  });
  hubbub.onClosed(() => {
    $('audit-status').textContent = 'Connect to watch the ' + AUDIT + ' stream.';
    delete $('audit-status').dataset.state;
  });

  // ---- Node: /metrics, parsed from Prometheus text, as small live charts ----

  /** name -> [{labels, value}] for every sample line. */
  function parsePrometheus(text) {
    const out = new Map();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s+(\S+)/.exec(line);
      if (!m) continue;
      const labels = {};
      if (m[3]) {
        for (const pair of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
      }
      if (!out.has(m[1])) out.set(m[1], []);
      out.get(m[1]).push({ labels, value: Number(m[4]) });
    }
    return out;
  }

  function sum(metrics, name) {
    const samples = metrics.get(name);
    return samples ? samples.reduce((a, s) => a + s.value, 0) : null;
  }

  const series = { connections: [], channels: [], in: [], out: [] };
  let previous = null;

  function draw(id, values) {
    const svg = $(id);
    const max = Math.max(1, ...values);
    const step = 120 / (SAMPLES - 1);
    const start = SAMPLES - values.length;
    const points = values.map((v, i) => ((start + i) * step).toFixed(1) + ',' + (38 - (v / max) * 36).toFixed(1)).join(' ');
    let line = svg.querySelector('polyline');
    if (!line) {
      line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
      svg.append(line);
    }
    line.setAttribute('points', points);
    svg.dataset.max = String(max);
  }

  function record(name, value, shown) {
    const s = series[name];
    s.push(value);
    if (s.length > SAMPLES) s.shift();
    $('node-' + name).textContent = shown;
    draw('chart-' + name, s);
  }

  function renderRejected(metrics) {
    const body = $('rejected').tBodies[0];
    const samples = metrics.get('broker_identity_rejected_total') || [];
    body.replaceChildren(...samples.map((s) => {
      const tr = el('tr');
      tr.dataset.reason = s.labels.reason || '';
      tr.append(el('td', s.labels.reason || '(none)'), el('td', String(s.value)));
      return tr;
    }));
  }

  async function poll() {
    try {
      const response = await fetch('/metrics', { cache: 'no-store' });
      if (response.status === 404) {
        $('node-status').textContent = 'This port does not serve /metrics: the node has an admin listener '
          + '(server.admin) and its metrics are there only.';
        $('node-status').dataset.state = 'elsewhere';
        return;
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      const metrics = parsePrometheus(await response.text());
      const now = performance.now();
      const totals = { in: sum(metrics, 'broker_messages_in_total'), out: sum(metrics, 'broker_messages_out_total') };
      const connections = sum(metrics, 'broker_connections');
      const channels = sum(metrics, 'broker_channels');
      record('connections', connections || 0, String(connections));
      record('channels', channels || 0, String(channels));
      for (const k of ['in', 'out']) {
        const rate = previous && totals[k] !== null ? Math.max(0, (totals[k] - previous.totals[k]) * 1000 / (now - previous.at)) : 0;
        record(k, rate, rate.toFixed(1));
      }
      previous = { at: now, totals };
      renderRejected(metrics);
      $('node-status').textContent = 'Live from /metrics, every second (last ' + new Date().toLocaleTimeString() + ').';
      $('node-status').dataset.state = 'live';
    } catch (e) {
      $('node-status').textContent = 'Cannot read /metrics: ' + describeError(e);
      $('node-status').dataset.state = 'error';
    }
  }

  function schedule() {
    poll().finally(() => setTimeout(schedule, POLL_MS));
  }

  // ---- Tokens: a TokenRequest signed here, or a token exchanged with the broker, through the SDK ----

  function tokenRest() {
    const key = $('token-key').value.trim() || connectKey();
    if (!key) throw new Error('paste a key here or in Connect');
    return new window.Ably.Rest(Object.assign(hostOptions(), { key }));
  }

  function tokenParams() {
    const params = {};
    const clientId = $('token-client-id').value.trim();
    if (clientId) params.clientId = clientId;
    const capability = $('token-capability').value.trim();
    if (capability) params.capability = JSON.stringify(JSON.parse(capability));
    const ttl = $('token-ttl').value.trim();
    if (ttl) params.ttl = Number(ttl);
    return params;
  }

  let minted = null;

  function mint(kind) {
    show('token-error', '');
    outcome('token-error', kind === 'request' ? 'create TokenRequest' : 'request token', async () => {
      const rest = tokenRest();
      if (kind === 'request') {
        const tokenRequest = await rest.auth.createTokenRequest(tokenParams());
        minted = { kind: 'tokenRequest', text: JSON.stringify(tokenRequest) };
        $('token-output').value = JSON.stringify(tokenRequest, null, 2);
      } else {
        const details = await rest.auth.requestToken(tokenParams());
        minted = { kind: 'token', text: details.token };
        $('token-output').value = JSON.stringify(details, null, 2);
      }
    });
  }

  function useInConnect() {
    if (!minted) {
      show('token-error', 'create a TokenRequest or a token first', false);
      return;
    }
    document.querySelector('input[name="cred-kind"][value="' + minted.kind + '"]').checked = true;
    $('cred').value = minted.text;
    $('client-id').value = '';
    $('cred').focus();
  }

  $('token-form').addEventListener('submit', (e) => { e.preventDefault(); mint('request'); });
  $('request-token').addEventListener('click', () => mint('token'));
  $('use-token').addEventListener('click', useInConnect);
  schedule();
})();
