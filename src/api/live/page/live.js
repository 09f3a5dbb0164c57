// Live results page: reads the poll, follows liveResults over a websocket, redraws on each frame.
// Plain browser JavaScript, no build step. Token: `#access_token=…` in the URL or
// localStorage['pollster.accessToken']; sent as `?access_token=` (a WebSocket cannot set headers).
const $ = (id) => document.getElementById(id);
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c != null));
  return node;
}

const key = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const token = new URLSearchParams(location.hash.slice(1)).get('access_token') ?? localStorage.getItem('pollster.accessToken');
const headers = token ? { authorization: `Bearer ${token}` } : {};
const fmt = new Intl.NumberFormat();
let pollId;
let position = -1;
let staff = false;
const texts = new Map();

function setConnection(state, text) {
  $('connection').dataset.state = state;
  $('connection-text').textContent = text;
}
function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text ?? '';
}

async function getJson(path) {
  const response = await fetch(path, { headers });
  return { status: response.status, body: response.ok ? await response.json() : null };
}

/** The page's skeleton from the poll definition; `render` only fills numbers in. */
function build(poll) {
  document.title = `${poll.title} · live results`;
  $('title').textContent = poll.title;
  for (const q of poll.questions) for (const o of q.options ?? []) texts.set(o.optionId, o.text);
  $('questions').replaceChildren(...poll.questions.map((q, i) => {
    const section = el('section', { className: 'question', id: `q-${q.questionId}` });
    section.setAttribute('aria-labelledby', `qt-${q.questionId}`);
    section.append(el('h2', { id: `qt-${q.questionId}`, textContent: `${i + 1}. ${q.text}` }));
    const values = q.kind === 'rating'
      ? Array.from({ length: q.scale.max - q.scale.min + 1 }, (_, k) => ({ id: String(q.scale.min + k), text: `${q.scale.min + k}` }))
      : q.options.map((o) => ({ id: o.optionId, text: o.text }));
    if (q.kind === 'rating') section.append(el('p', { className: 'average', id: `avg-${q.questionId}`, textContent: 'Average: –' }));
    section.append(el('ul', { className: 'options' }, ...values.map((v) => bar(q.questionId, v))));
    if (q.kind === 'ranked') section.append(el('div', { className: 'table-scroll', id: `rounds-${q.questionId}` }));
    return section;
  }));
}

function bar(questionId, value) {
  const id = `o-${questionId}-${value.id}`;
  const fill = el('div', { className: 'fill' });
  const track = el('div', { className: 'track' }, fill);
  track.setAttribute('role', 'img');
  const li = el('li', { className: 'option', id },
    el('span', { className: 'label', id: `${id}-label`, textContent: value.text }),
    track,
    el('span', { className: 'numbers', textContent: '0 · 0%' }));
  li.dataset.optionId = value.id;
  return li;
}

function setBar(questionId, valueId, votes, pct) {
  const li = document.getElementById(`o-${questionId}-${valueId}`);
  if (!li) return;
  li.dataset.votes = String(votes);
  li.querySelector('.fill').style.width = `${Math.min(100, pct)}%`;
  const text = `${fmt.format(votes)} · ${pct}%`;
  li.querySelector('.numbers').textContent = text;
  li.querySelector('.track').setAttribute('aria-label', `${li.querySelector('.label').textContent}: ${votes} votes, ${pct}%`);
}

/** Fills the numbers of a getResults body in; frames older than what is shown are ignored. */
function render(results, at) {
  if (at < position) return;
  position = at;
  const total = $('total-ballots');
  if (total.dataset.total !== String(results.totalBallots)) {
    total.dataset.total = String(results.totalBallots);
    total.textContent = fmt.format(results.totalBallots);
  }
  // The review queue is staff business: shown to the poll's organizer, admins, reviewers and auditors only.
  $('flagged').textContent = staff && results.flaggedPending ? `(${fmt.format(results.flaggedPending)} pending review)` : '';
  countRate(results.totalBallots);
  $('status').textContent = results.status === 'closed' ? 'Final results: the poll is closed' : '';
  for (const q of results.questions) {
    if (q.kind === 'rating') {
      const n = Object.values(q.distribution).reduce((a, b) => a + b, 0);
      for (const [value, count] of Object.entries(q.distribution)) setBar(q.questionId, value, count, n ? Math.round((count * 10000) / n) / 100 : 0);
      $(`avg-${q.questionId}`).textContent = `Average: ${q.average ?? '–'} (${fmt.format(n)} ratings)`;
      continue;
    }
    for (const o of q.options) setBar(q.questionId, o.optionId, o.votes, o.percentage);
    if (q.kind === 'ranked') renderRounds(q, results.status === 'closed');
  }
}

function renderRounds(q, closed) {
  const ids = q.options.map((o) => o.optionId);
  const head = el('tr', {}, el('th', { scope: 'col', textContent: 'Option' }), ...q.rounds.map((r) => el('th', { scope: 'col', textContent: `Round ${r.round}` })));
  // An option eliminated in one round has no tally in the later ones: it shows as "out".
  const rows = ids.map((id) => el('tr', {}, el('th', { scope: 'row', textContent: texts.get(id) ?? id }),
    ...q.rounds.map((r) => el('td', { textContent: id in r.tallies ? fmt.format(r.tallies[id]) : 'out' }))));
  // While the poll runs the instant-runoff result is only who leads: "winner" once it is closed.
  const winner = q.winner ? `${closed ? 'Winner' : 'Leading'}: ${texts.get(q.winner) ?? q.winner}` : closed ? 'No winner' : 'Nobody leads yet';
  $(`rounds-${q.questionId}`).replaceChildren(el('table', {},
    el('caption', { textContent: `Instant-runoff rounds. ${winner}` }), el('thead', {}, head), el('tbody', {}, ...rows)));
}

/** Follows liveResults; on loss, reconnects with backoff and `?after=`, so only a moved poll resends a snapshot. */
function connect(attempt = 0) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams();
  if (position >= 0) query.set('after', String(position));
  if (token) query.set('access_token', token);
  const socket = new WebSocket(`${scheme}://${location.host}/api/polls/${pollId}/live?${query}`);
  let opened = false;
  socket.onopen = () => { opened = true; attempt = 0; setConnection('live', 'Live'); };
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    render(frame.results, frame.position);
  };
  socket.onclose = async () => {
    if (!opened && attempt >= 2 && !(await resultsVisible())) return;
    const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setConnection('reconnecting', 'Reconnecting…');
    setTimeout(() => connect(opened ? 0 : attempt + 1), delay);
  };
}

/** A refused websocket says nothing of why: ask getResults, which answers 403 `results.hidden`. */
async function resultsVisible() {
  const { status, body } = await getJson(`/api/polls/${pollId}/results`).catch(() => ({ status: 0 }));
  if (status === 200) { render(body, body.position); notice(null); return true; }
  if (status === 0 || status >= 500) return true;
  setConnection('closed', 'Not live');
  notice(status === 403 ? 'This poll shows its results once it closes. This page checks again every minute.'
    : status === 404 ? 'No such poll.' : 'You are not allowed to see these results.');
  if (status === 403) setTimeout(() => resultsVisible().then((ok) => ok && connect()), 60_000);
  return false;
}

/**
 * Ballots per minute, counted on this page from the totals the frames carry (since it opened), for
 * every viewer who may see the results; replaced by getAnalytics' series (the whole last 30
 * minutes) for viewers it lets in.
 */
const seen = new Map();
let lastTotal;
let analytics = false;
function countRate(total) {
  const minute = Math.floor(Date.now() / 60_000);
  if (lastTotal !== undefined && total > lastTotal) seen.set(minute, (seen.get(minute) ?? 0) + total - lastTotal);
  else if (!seen.has(minute)) seen.set(minute, 0);
  lastTotal = total;
  if (!analytics) drawRate(seen);
}

async function refreshRate() {
  const { status, body } = await getJson(`/api/polls/${pollId}/analytics?bucket=minute`).catch(() => ({ status: 0 }));
  if (status === 401 || status === 403 || status === 404) return false;
  if (status !== 200) return true;
  analytics = true;
  drawRate(new Map(body.timeSeries.map((b) => [Math.floor(Date.parse(b.bucket) / 60_000), b.ballots])));
  return true;
}

function drawRate(counts) {
  const now = Math.floor(Date.now() / 60_000);
  const bars = Array.from({ length: 30 }, (_, i) => counts.get(now - 29 + i) ?? 0);
  const max = Math.max(1, ...bars);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 300 100');
  svg.setAttribute('preserveAspectRatio', 'none');
  bars.forEach((n, i) => {
    const rect = document.createElementNS(ns, 'rect');
    const h = (n / max) * 90;
    Object.entries({ x: i * 10 + 1, y: 100 - h, width: 8, height: h }).forEach(([k, v]) => rect.setAttribute(k, String(v)));
    rect.append(Object.assign(document.createElementNS(ns, 'title'), { textContent: `${n} ballots` }));
    svg.append(rect);
  });
  $('rate-chart').replaceChildren(svg);
  $('rate-chart').setAttribute('aria-label', `Ballots per minute, last 30 minutes; this minute: ${bars.at(-1)}, peak: ${max}`);
  $('rate').hidden = false;
}

async function start() {
  const { status, body: poll } = await getJson(`/api/polls/${encodeURIComponent(key)}`).catch(() => ({ status: 0 }));
  if (status !== 200) {
    setConnection('closed', 'Not live');
    notice(status === 404 ? 'No such poll.' : 'The poll could not be loaded. Reload the page to try again.');
    return;
  }
  pollId = poll.pollId;
  build(poll);
  if (token) {
    const me = await getJson('/api/me').catch(() => ({ status: 0 }));
    const roles = me.body?.roles ?? [];
    staff = me.status === 200 && (me.body.userId === poll.organizerId || ['admin', 'reviewer', 'auditor'].some((r) => roles.includes(r)));
  }
  if (!(await resultsVisible())) return;
  connect();
  if (await refreshRate()) setInterval(refreshRate, 10_000);
}

start();
