/*
 * hubbub console: Connect, Channels and Presence. Everything goes through the ably-js SDK
 * (window.Ably, /console/vendor/ably.min.js) to the broker that served this page, as an app's
 * code would; panels.js adds Identity, Node and Tokens. No secret is stored or sent anywhere
 * but in the SDK's own authentication.
 */
'use strict';

const hubbub = (() => {
  const $ = (id) => document.getElementById(id);
  const listeners = { connected: [], closed: [] };
  const state = { client: null, channels: new Map(), members: new Map() };

  /** Options that point the SDK at the broker that served this page, and nowhere else. */
  function hostOptions() {
    const secure = location.protocol === 'https:';
    const port = Number(location.port) || (secure ? 443 : 80);
    return {
      endpoint: location.hostname,
      port,
      tlsPort: port,
      tls: secure,
      fallbackHosts: [],
      useBinaryProtocol: false,
      connectivityCheckUrl: location.origin + '/is-the-internet-up.txt',
      wsConnectivityCheckUrl: (secure ? 'wss://' : 'ws://') + location.host + '/',
    };
  }

  /** "code message" of an SDK error, for people to read. */
  function describeError(err) {
    if (!err) return 'unknown error';
    const code = err.code !== undefined && err.code !== null ? 'error ' + err.code + ': ' : '';
    return code + (err.message || String(err));
  }

  /** A text node child, so nothing a peer sent is ever parsed as HTML. */
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function show(id, text, ok) {
    const p = $(id);
    p.textContent = text;
    p.className = ok === undefined ? '' : (ok ? 'ok' : 'error');
  }

  function credentialKind() {
    return document.querySelector('input[name="cred-kind"]:checked').value;
  }

  /** The key typed in Connect, when a key was chosen there. */
  function connectKey() {
    return credentialKind() === 'key' ? $('cred').value.trim() : '';
  }

  function clientOptions() {
    const cred = $('cred').value.trim();
    const clientId = $('client-id').value.trim();
    const opts = hostOptions();
    if (!cred) throw new Error('paste a key, a token or a TokenRequest first');
    switch (credentialKind()) {
      case 'key':
        opts.key = cred;
        break;
      case 'token':
        opts.token = cred;
        break;
      case 'tokenRequest': {
        const tokenRequest = JSON.parse(cred);
        // a TokenRequest is good once (its nonce): the SDK exchanges it at the broker's requestToken
        opts.authCallback = (params, callback) => callback(null, tokenRequest);
        break;
      }
      default:
        throw new Error('unknown credential kind');
    }
    if (clientId) opts.clientId = clientId;
    return opts;
  }

  /** Identity the broker bound: from the SDK's auth.clientId once CONNECTED. */
  function describeIdentity(client) {
    const id = client.auth.clientId;
    if (id === '*') return { kind: 'wildcard', text: 'wildcard (may claim any clientId)' };
    if (id === undefined || id === null || id === '') return { kind: 'unidentified', text: 'unidentified (no clientId)' };
    return { kind: 'identified', text: 'identified as ' + id };
  }

  function connect() {
    show('connect-error', '');
    if (!window.Ably) {
      show('connect-error', 'the ably-js bundle is missing', false);
      return;
    }
    closeClient();
    let client;
    try {
      client = new window.Ably.Realtime(clientOptions());
    } catch (e) {
      show('connect-error', describeError(e), false);
      return;
    }
    state.client = client;
    client.connection.on((change) => {
      if (state.client !== client) return;
      $('conn-state').textContent = change.current;
      $('conn-id').textContent = client.connection.id || '-';
      if (change.reason && change.current !== 'connected') {
        show('connect-error', describeError(change.reason), false);
      }
      if (change.current === 'connected') {
        const identity = describeIdentity(client);
        const span = $('identity');
        span.textContent = identity.text;
        span.dataset.kind = identity.kind;
        show('connect-error', '');
        if (change.previous !== 'connected') listeners.connected.forEach((f) => f(client));
      }
    });
  }

  function closeClient() {
    const old = state.client;
    state.client = null;
    state.channels.clear();
    state.members.clear();
    renderChannels();
    renderMembers();
    if (old) {
      listeners.closed.forEach((f) => f(old));
      old.close();
    }
    $('conn-state').textContent = 'not connected';
    $('conn-id').textContent = '-';
    $('identity').textContent = 'no identity yet';
    delete $('identity').dataset.kind;
  }

  // ---- Channels ----

  function logMessage(channelName, m) {
    const li = el('li');
    li.dataset.channel = channelName;
    li.dataset.clientId = m.clientId === undefined || m.clientId === null ? '' : m.clientId;
    li.dataset.name = m.name || '';
    li.append(el('span', channelName, 'tag'));
    li.append(el('span', 'clientId=' + (m.clientId || '(none)'), 'tag'));
    li.append(el('span', (m.name || '(no name)') + ': '));
    li.append(el('span', typeof m.data === 'string' ? m.data : JSON.stringify(m.data)));
    const headers = m.extras && m.extras.headers ? m.extras.headers : null;
    if (headers) {
      Object.keys(headers).filter((h) => h.startsWith('x-hubbub-')).forEach((h) => {
        li.append(el('span', ' ' + h + '=' + headers[h], 'tag provenance'));
      });
    }
    const log = $('message-log');
    log.prepend(li);
    while (log.children.length > 200) log.lastChild.remove();
  }

  async function attach(name) {
    const client = state.client;
    if (!client) throw new Error('connect first');
    if (state.channels.has(name)) return;
    const channel = client.channels.get(name);
    await channel.subscribe((m) => logMessage(name, m));
    if (state.client !== client) return;
    state.channels.set(name, channel);
    channel.presence.subscribe(() => refreshMembers(name));
    renderChannels();
    refreshMembers(name);
  }

  async function detach(name) {
    const channel = state.channels.get(name);
    state.channels.delete(name);
    state.members.delete(name);
    renderChannels();
    renderMembers();
    if (channel) {
      channel.unsubscribe();
      channel.presence.unsubscribe();
      await channel.detach();
    }
  }

  function renderChannels() {
    const list = $('attached');
    list.replaceChildren();
    for (const name of state.channels.keys()) {
      const li = el('li', name);
      li.dataset.channel = name;
      const b = el('button', 'Detach', 'secondary');
      b.type = 'button';
      b.setAttribute('aria-label', 'Detach ' + name);
      b.addEventListener('click', () => detach(name).catch((e) => show('publish-result', describeError(e), false)));
      li.append(b);
      list.append(li);
    }
    for (const id of ['publish-channel', 'presence-channel']) {
      const select = $(id);
      const chosen = select.value;
      select.replaceChildren(...[...state.channels.keys()].map((n) => { const o = el('option', n); o.value = n; return o; }));
      if (state.channels.has(chosen)) select.value = chosen;
    }
    renderMembers();
  }

  async function publish() {
    const name = $('publish-channel').value;
    const channel = state.channels.get(name);
    if (!channel) throw new Error('attach a channel first');
    let data = $('publish-data').value;
    if ($('publish-json').checked) data = JSON.parse(data);
    const message = { name: $('publish-name').value, data };
    const claim = $('publish-client-id').value.trim();
    if (claim) message.clientId = claim;
    await channel.publish(message);
  }

  // ---- Presence ----

  async function refreshMembers(name) {
    const channel = state.channels.get(name);
    if (!channel) return;
    try {
      const members = await channel.presence.get();
      if (state.channels.get(name) !== channel) return;
      state.members.set(name, members);
    } catch (e) {
      state.members.set(name, []);
      show('presence-result', describeError(e), false);
    }
    renderMembers();
  }

  function renderMembers() {
    const name = $('presence-channel').value;
    const list = $('presence-members');
    const members = state.members.get(name) || [];
    list.replaceChildren(...members.map((m) => {
      const li = el('li', m.clientId + (m.data !== undefined && m.data !== null && m.data !== '' ? ' (' +
        (typeof m.data === 'string' ? m.data : JSON.stringify(m.data)) + ')' : ''));
      li.dataset.clientId = m.clientId;
      return li;
    }));
  }

  async function presence(action) {
    const channel = state.channels.get($('presence-channel').value);
    if (!channel) throw new Error('attach a channel first');
    const data = $('presence-data').value;
    await channel.presence[action](data === '' ? undefined : data);
  }

  /** Runs an action, showing its outcome (an error with its code) in the status element. */
  function outcome(statusId, what, action) {
    show(statusId, what + '…');
    Promise.resolve().then(action).then(
      () => show(statusId, what + ': done', true),
      (e) => show(statusId, what + ' refused: ' + describeError(e), false));
  }

  function wire() {
    if (!window.Ably) $('sdk-missing').hidden = false;
    $('connect-form').addEventListener('submit', (e) => { e.preventDefault(); connect(); });
    $('disconnect-btn').addEventListener('click', closeClient);
    $('attach-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const name = $('attach-name').value.trim();
      if (name) outcome('publish-result', 'attach ' + name, () => attach(name));
    });
    $('publish-form').addEventListener('submit', (e) => { e.preventDefault(); outcome('publish-result', 'publish', publish); });
    $('presence-form').addEventListener('submit', (e) => { e.preventDefault(); outcome('presence-result', 'enter', () => presence('enter')); });
    $('presence-update').addEventListener('click', () => outcome('presence-result', 'update', () => presence('update')));
    $('presence-leave').addEventListener('click', () => outcome('presence-result', 'leave', () => presence('leave')));
    $('presence-channel').addEventListener('change', renderMembers);
  }

  wire();
  return {
    $, el, show, describeError, hostOptions, connectKey, outcome,
    onConnected: (f) => listeners.connected.push(f),
    onClosed: (f) => listeners.closed.push(f),
  };
})();
