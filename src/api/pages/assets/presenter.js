// Presenter view: getResults once, then the liveResults websocket; each frame redraws the numbers
// and the bars slide to their new widths. Only what every results viewer sees: no review counts.
// "Leading" while the poll runs, "Winner" only once it is closed. Plain JavaScript, no build step.
import { $, el } from './dom.js';

const pollId = document.body.dataset.pollId;
const token = localStorage.getItem('pollster.accessToken');
const headers = token ? { authorization: `Bearer ${token}` } : {};
const fmt = new Intl.NumberFormat();
const texts = new Map();
let position = -1;
let built = false;

function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text ?? '';
}
function setConnection(state, text) {
  $('connection').dataset.state = state;
  $('connection').textContent = text;
}

async function getJson(path) {
  const response = await fetch(path, { headers });
  return { status: response.status, body: response.ok ? await response.json() : null };
}

function build(poll) {
  for (const q of poll.questions) for (const o of q.options ?? []) texts.set(o.optionId, o.text);
  $('questions').append(...poll.questions.map((q) => {
    const section = el('section', { className: `question kind-${q.kind}`, id: `q-${q.questionId}` });
    section.setAttribute('aria-labelledby', `qt-${q.questionId}`);
    section.append(el('h2', { id: `qt-${q.questionId}`, textContent: q.text }));
    if (q.kind === 'ranked') section.append(el('p', { className: 'round', id: `round-${q.questionId}` }));
    if (q.kind === 'rating') section.append(el('p', { className: 'average', id: `avg-${q.questionId}` }));
    const values = q.kind === 'rating'
      ? Array.from({ length: q.scale.max - q.scale.min + 1 }, (_, k) => ({ id: String(q.scale.min + k), text: String(q.scale.min + k) }))
      : q.options.map((o) => ({ id: o.optionId, text: o.text }));
    section.append(el('ul', { className: 'bars' }, ...values.map((v) => {
      const li = el('li', { className: 'bar', id: `b-${q.questionId}-${v.id}` },
        el('span', { className: 'label', textContent: v.text }),
        el('span', { className: 'badge' }),
        el('span', { className: 'track' }, el('span', { className: 'fill' })),
        el('span', { className: 'numbers', textContent: '0' }));
      li.dataset.optionId = v.id;
      li.dataset.votes = '0';
      return li;
    })));
    return section;
  }));
  built = true;
}

function setBar(questionId, id, votes, pct, leading, word) {
  const li = $(`b-${questionId}-${id}`);
  if (!li) return;
  li.dataset.votes = String(votes);
  li.classList.toggle('leading', leading);
  // Always in the grid (a hidden element would shift the columns); empty unless leading.
  li.querySelector('.badge').textContent = leading ? word : '';
  li.querySelector('.fill').style.width = `${Math.min(100, pct)}%`;
  li.querySelector('.numbers').textContent = `${fmt.format(votes)} · ${Math.round(pct)}%`;
}

function render(results, at) {
  if (at < position || !built) return;
  position = at;
  const closed = results.status === 'closed';
  const word = closed ? 'Winner' : 'Leading';
  const total = $('total-ballots');
  total.dataset.total = String(results.totalBallots);
  total.textContent = fmt.format(results.totalBallots);
  $('ballots-word').textContent = results.totalBallots === 1 ? 'ballot' : 'ballots';
  document.body.dataset.status = results.status;
  for (const q of results.questions) {
    if (q.kind === 'rating') {
      const n = Object.values(q.distribution).reduce((a, b) => a + b, 0);
      for (const [value, count] of Object.entries(q.distribution)) setBar(q.questionId, value, count, n ? (count * 100) / n : 0, false, '');
      $(`avg-${q.questionId}`).textContent = n ? `Average ${q.average}` : 'No ratings yet';
      continue;
    }
    if (q.kind === 'ranked') {
      const last = q.rounds.at(-1);
      const tallies = last?.tallies ?? {};
      const counted = Object.values(tallies).reduce((a, b) => a + b, 0);
      const top = Math.max(0, ...Object.values(tallies));
      const leader = closed && q.winner ? q.winner : Object.keys(tallies).find((id) => tallies[id] === top && top > 0);
      for (const o of q.options) {
        const votes = tallies[o.optionId] ?? 0;
        setBar(q.questionId, o.optionId, votes, counted ? (votes * 100) / counted : 0, o.optionId === leader, word);
        $(`b-${q.questionId}-${o.optionId}`)?.classList.toggle('out', last !== undefined && !(o.optionId in tallies));
      }
      $(`round-${q.questionId}`).textContent = last
        ? `Instant-runoff round ${last.round} of ${q.rounds.length}${leader ? ` · ${word}: ${texts.get(leader) ?? ''}` : ''}`
        : 'No rankings yet';
      continue;
    }
    const top = Math.max(0, ...q.options.map((o) => o.votes));
    for (const o of q.options) setBar(q.questionId, o.optionId, o.votes, o.percentage, top > 0 && o.votes === top, word);
  }
}

function connect(attempt = 0) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = new URLSearchParams();
  if (position >= 0) query.set('after', String(position));
  if (token) query.set('access_token', token);
  const socket = new WebSocket(`${scheme}://${location.host}/api/polls/${pollId}/live?${query}`);
  let opened = false;
  socket.onopen = () => { opened = true; setConnection('live', 'Live'); };
  socket.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    render(frame.results, frame.position);
  };
  socket.onclose = () => {
    setConnection('reconnecting', 'Reconnecting…');
    const delay = Math.min(30_000, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setTimeout(() => start(opened ? 0 : attempt + 1), delay);
  };
}

/** Reads the results (403: hidden until the poll closes, checked again each minute), then follows them live. */
async function start(attempt = 0) {
  if (!built) {
    const poll = await getJson(`/api/polls/${pollId}`).catch(() => ({ status: 0 }));
    if (poll.status !== 200) { notice('The poll could not be loaded.'); return; }
    build(poll.body);
  }
  const results = await getJson(`/api/polls/${pollId}/results`).catch(() => ({ status: 0 }));
  if (results.status === 403) {
    notice('The results appear here when the poll closes.');
    setConnection('closed', 'Waiting for the close');
    setTimeout(() => start(), 60_000);
    return;
  }
  if (results.status === 200) { notice(null); render(results.body, results.body.position); }
  connect(attempt);
}

$('fullscreen').addEventListener('click', () => {
  if (document.fullscreenElement) document.exitFullscreen();
  else document.documentElement.requestFullscreen?.().catch(() => undefined);
});
document.addEventListener('fullscreenchange', () => {
  $('fullscreen').textContent = document.fullscreenElement ? 'Leave full screen' : 'Full screen';
});
start();
