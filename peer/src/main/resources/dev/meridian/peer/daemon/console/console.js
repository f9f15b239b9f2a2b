// Meridian's web console: polls /api/status every second and browses documents. Read-only.
// Under access control every /api/ request carries "Authorization: Bearer <token>" from the
// token field (kept in sessionStorage for this tab only).
'use strict';

const POLL_MS = 1000;
const SAMPLES = 120; // two minutes of one-second samples per chart
const $ = (id) => document.getElementById(id);

let token = sessionStorage.getItem('meridian-token') || '';
let previous = null; // the last status sample, for rates
let nextAfter = null; // the next page's "after", or null
const series = { writes: [], in: [], out: [], lag: [] };

/** GETs an /api/ path as JSON; throws an Error with the server's message on a 4xx or 5xx. */
async function api(path) {
  const headers = token ? { Authorization: 'Bearer ' + token } : {};
  const r = await fetch(path, { headers, cache: 'no-store' });
  const text = await r.text();
  if (!r.ok) {
    let message = text.trim();
    try { message = JSON.parse(text).error || message; } catch (e) { /* plain text */ }
    if (r.status === 401 || r.status === 403) {
      message = 'access refused (' + r.status + '): ' + message + ' (enter an admin token above)';
    }
    const err = new Error(message);
    err.status = r.status;
    throw err;
  }
  return JSON.parse(text);
}

function showError(message) {
  const e = $('error');
  e.textContent = message || '';
  e.hidden = !message;
}

function text(id, value) {
  $(id).textContent = value;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

/** The rate of a counter between two samples; a counter that went down restarted (a new stream). */
function rate(now, before, seconds) {
  const d = now >= before ? now - before : now;
  return seconds > 0 ? d / seconds : 0;
}

function push(name, value) {
  const s = series[name];
  s.push(value);
  if (s.length > SAMPLES) s.shift();
}

async function pollStatus() {
  let s;
  try {
    s = await api('/api/status');
  } catch (e) {
    showError(e.message);
    text('health', e.status ? 'unknown (' + e.status + ')' : 'unreachable');
    previous = null;
    return;
  }
  showError('');
  text('site', s.site);
  text('id-site', s.site);
  text('id-replica', s.replicaId);
  text('id-listen', s.listenAddress || '(none)');
  const up = s.peers.filter((p) => p.state === 'OPEN').length;
  text('health', s.health + ', ' + up + ' of ' + s.peers.length + ' peers up');
  text('documents', String(s.documents));
  text('size', bytes(s.sizeOnDisk));
  text('updated', new Date(s.time).toLocaleTimeString());
  renderPeers(s.peers);
  const lag = s.peers.reduce((m, p) => Math.max(m, p.lag), 0);
  if (previous) {
    const seconds = (s.time - previous.time) / 1000;
    push('writes', rate(s.localWrites, previous.localWrites, seconds));
    push('in', rate(s.deltasIn, previous.deltasIn, seconds));
    push('out', rate(s.deltasOut, previous.deltasOut, seconds));
  }
  push('lag', lag);
  previous = s;
  draw('c-writes', 'v-writes', series.writes, '/s');
  draw('c-in', 'v-in', series.in, '/s');
  draw('c-out', 'v-out', series.out, '/s');
  draw('c-lag', 'v-lag', series.lag, ' writes');
}

function renderPeers(peers) {
  const body = $('peers').tBodies[0];
  body.replaceChildren();
  for (const p of peers) {
    const tr = document.createElement('tr');
    tr.dataset.replica = p.replicaId || '';
    tr.dataset.state = p.state;
    const cells = [p.replicaId || '(not yet known)', p.addresses.join(', '), p.state,
      p.lag < 0 ? 'unknown' : String(p.lag), String(p.deltasIn), String(p.deltasOut)];
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = c;
      if (i === 2) td.className = 'state state-' + p.state;
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
  $('no-peers').hidden = peers.length > 0;
}

/** Draws one series as a line on its canvas, scaled to its maximum. */
function draw(canvasId, labelId, values, unit) {
  const c = $(canvasId);
  const g = c.getContext('2d');
  const w = c.width;
  const h = c.height;
  g.clearRect(0, 0, w, h);
  const max = Math.max(1, ...values);
  g.fillStyle = '#5b6475';
  g.font = '10px sans-serif';
  g.fillText(max.toFixed(max < 10 ? 1 : 0), 2, 10);
  g.fillText('0', 2, h - 2);
  g.strokeStyle = '#eceef2';
  g.beginPath();
  g.moveTo(0, h / 2);
  g.lineTo(w, h / 2);
  g.stroke();
  if (values.length > 0) {
    g.strokeStyle = '#2f5fd0';
    g.lineWidth = 1.5;
    g.beginPath();
    const step = w / (SAMPLES - 1);
    const x0 = w - (values.length - 1) * step;
    values.forEach((v, i) => {
      const x = x0 + i * step;
      const y = h - 2 - (v / max) * (h - 14);
      if (i === 0) g.moveTo(x, y); else g.lineTo(x, y);
    });
    g.stroke();
    const last = values[values.length - 1];
    text(labelId, '(' + (last < 10 ? last.toFixed(1) : Math.round(last)) + unit + ')');
  }
}

async function listDocuments(after) {
  const q = new URLSearchParams({ prefix: $('prefix').value, limit: '50' });
  if (after) q.set('after', after);
  let page;
  try {
    page = await api('/api/documents?' + q);
  } catch (e) {
    showError(e.message);
    return;
  }
  const ul = $('keys');
  ul.replaceChildren();
  for (const key of page.keys) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = key;
    b.dataset.key = key;
    b.addEventListener('click', () => showDocument(key, b));
    li.appendChild(b);
    ul.appendChild(li);
  }
  if (page.keys.length === 0) {
    const li = document.createElement('li');
    li.textContent = page.next ? '(none in this stretch: try the next page)' : '(no documents)';
    ul.appendChild(li);
  }
  nextAfter = page.next;
  $('next').disabled = !nextAfter;
}

async function showDocument(key, button) {
  for (const b of document.querySelectorAll('#keys button')) b.classList.toggle('chosen', b === button);
  text('doc-key', key);
  let d;
  try {
    d = await api('/api/document?' + new URLSearchParams({ key }));
  } catch (e) {
    text('doc-json', '');
    text('doc-note', e.message);
    $('conflicts').replaceChildren();
    return;
  }
  text('doc-json', d.truncated ? d.json : JSON.stringify(JSON.parse(d.json), null, 2));
  text('doc-note', d.truncated
    ? 'Showing the first ' + d.json.length + ' of ' + d.jsonChars + ' characters.' : '');
  renderConflicts(d);
}

function renderConflicts(d) {
  const box = $('conflicts');
  box.replaceChildren();
  const h = document.createElement('h3');
  h.textContent = d.conflictsTotal === 0 ? 'No conflicts'
    : 'Conflicts (' + d.conflictsTotal + '; the first value is the one shown above)';
  box.appendChild(h);
  for (const c of d.conflicts) {
    const p = document.createElement('p');
    p.className = 'conflict';
    const values = c.candidates.map((x) => x.type + ' ' + x.value + (x.truncated ? '…' : ''));
    p.textContent = c.path + ': ' + values.join('  |  ');
    box.appendChild(p);
  }
}

function start() {
  $('token').value = token;
  $('login').addEventListener('submit', (e) => {
    e.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem('meridian-token', token);
    pollStatus();
    listDocuments(null);
  });
  $('list-form').addEventListener('submit', (e) => {
    e.preventDefault();
    listDocuments(null);
  });
  $('next').addEventListener('click', () => listDocuments(nextAfter));
  pollStatus();
  listDocuments(null);
  setInterval(pollStatus, POLL_MS);
}

document.addEventListener('DOMContentLoaded', start);
