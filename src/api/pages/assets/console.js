// The organiser console: sign in, my polls, create (all four question kinds and the settings),
// open and close, vote tokens as CSV links or a QR sheet, the join code, results and the review
// count. Everything goes through the public API with the organiser's token, as any client;
// only the CSV and the QR sheet are made by the server from the tokens posted back (console-routes.ts).
// Plain browser JavaScript, no build step. Token: localStorage['pollster.accessToken'], as the vote page.
import { $, el } from './dom.js';

const TOKEN_KEY = 'pollster.accessToken';
const VIEWS = ['sign-in', 'register', 'no-role', 'polls-view', 'create-view', 'poll-view', 'sheet'];
const STATUS_WORDS = { draft: 'Draft', active: 'Open', closed: 'Closed' };
const POLICY_WORDS = { account: 'signed-in accounts', verified: 'verified people', token: 'vote tokens', open: 'anyone' };
const KIND_HELP = {
  single: 'Voters pick one option.',
  multiple: 'Voters tick up to the maximum below.',
  ranked: 'Voters put the options in order; the winner is found by instant runoff.',
  rating: 'Voters give one number from the lowest to the highest.',
};
let accessToken = localStorage.getItem(TOKEN_KEY);
let me = null;
let poll = null;
let nextCursor = null;
/** Tokens are shown once: kept in this tab only, per poll, until they are downloaded or printed. */
const issued = new Map();
let questionSerial = 0;
/** What the results on screen were drawn from. */
let lastResults = '';

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (response.status === 401 && accessToken) signOut('Your session has ended: sign in again.');
  return { status: response.status, body: json, text };
}

function status(text) { $('status').textContent = text ?? ''; }
function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text ?? '';
}
function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
}
const problemText = (problem, fallback) => problem?.detail ?? problem?.title ?? fallback;

// ---- errors at their field ------------------------------------------------------------------

/** `body.questions.0.options` (schema) and `questions[0].options` (domain) name one field. */
const normalise = (field) => field.replace(/^body\.?/, '').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
const parentField = (field) => field.replace(/(\[\d+\]|\.[^.[\]]+)$/, '');

function clearErrors(root) {
  for (const e of root.querySelectorAll('.error')) { e.hidden = true; e.textContent = ''; }
  for (const f of root.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
}

/** Shows a problem where its `field` points (or its nearest enclosing field); else in `fallback`. */
function showProblem(root, problem, fallback) {
  const message = problemText(problem, 'Something went wrong. Try again.');
  let field = normalise(problem?.field ?? '');
  while (field) {
    const holder = root.querySelector(`[data-field="${CSS.escape(field)}"]`);
    const error = holder?.querySelector(':scope > .error');
    if (holder && error) {
      error.textContent = message;
      error.hidden = false;
      holder.setAttribute('aria-invalid', 'true');
      const input = holder.querySelector('input, select, textarea');
      input?.setAttribute('aria-invalid', 'true');
      holder.scrollIntoView({ block: 'center' });
      input?.focus();
      return;
    }
    field = parentField(field);
  }
  fallback.textContent = message;
  fallback.hidden = false;
  fallback.focus?.();
}

// ---- sign-in and role -----------------------------------------------------------------------

function signOut(why) {
  localStorage.removeItem(TOKEN_KEY);
  accessToken = null;
  me = null;
  issued.clear();
  $('who').hidden = true;
  route().then(() => notice(why ?? null));
}

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('sign-in-error').hidden = true;
  const failed = await signIn($('email').value, $('password').value);
  if (failed) {
    $('sign-in-error').textContent = failed;
    $('sign-in-error').hidden = false;
    return;
  }
  $('password').value = '';
  await route();
});

async function signIn(email, password) {
  const { status: code, body } = await api('POST', '/api/auth/login', { email, password });
  if (code !== 200) return code === 401 ? 'That email and password do not match.' : problemText(body, 'Signing in failed. Try again.');
  if (body.mustChangePassword) return 'This account must set its password first (POST /api/auth/password), then sign in here.';
  accessToken = body.accessToken;
  localStorage.setItem(TOKEN_KEY, accessToken);
  return null;
}

$('show-register').addEventListener('click', () => { show('register'); $('reg-name').focus(); });
$('show-sign-in').addEventListener('click', () => { show('sign-in'); $('email').focus(); });

$('register').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors($('register'));
  const account = { email: $('reg-email').value.trim(), password: $('reg-password').value, displayName: $('reg-name').value.trim() };
  const answer = await api('POST', '/api/auth/register', account);
  if (answer.status !== 201) { showProblem($('register'), answer.body, $('register-error')); return; }
  const failed = await signIn(account.email, account.password);
  if (failed) { show('sign-in'); $('sign-in-error').textContent = failed; $('sign-in-error').hidden = false; return; }
  $('register').reset();
  await route();
});

async function whoAmI() {
  if (me) return me;
  const answer = await api('GET', '/api/me');
  if (answer.status !== 200) return null;
  me = answer.body;
  $('who').replaceChildren(`Signed in as ${me.email}. `,
    el('button', { type: 'button', className: 'link', textContent: 'Sign out', onclick: () => signOut() }));
  $('who').hidden = false;
  return me;
}

// ---- my polls -------------------------------------------------------------------------------

function pollItem(p) {
  const facts = [STATUS_WORDS[p.status], POLICY_WORDS[p.settings.voterPolicy]];
  if (p.ballots !== undefined) facts.push(`${p.ballots} ${p.ballots === 1 ? 'ballot' : 'ballots'}`);
  const badge = el('span', { className: 'badge-status', textContent: facts.join(' · ') });
  badge.dataset.status = p.status;
  return el('li', {}, el('a', { href: `#poll=${p.pollId}` }, el('span', { className: 'poll-name', textContent: p.title }), badge));
}

async function showPolls(more = false) {
  show('polls-view');
  const query = new URLSearchParams({ mine: 'true', limit: '20' });
  if (more && nextCursor) query.set('cursor', nextCursor);
  const answer = await api('GET', `/api/polls?${query}`);
  if (answer.status !== 200) { notice(problemText(answer.body, 'Your polls could not be loaded.')); return; }
  const items = answer.body.items.map(pollItem);
  if (more) $('poll-list').append(...items); else $('poll-list').replaceChildren(...items);
  nextCursor = answer.body.nextCursor;
  $('more-polls').hidden = !nextCursor;
  $('no-polls').hidden = $('poll-list').childElementCount > 0;
}
$('more-polls').addEventListener('click', () => showPolls(true));

// ---- create ---------------------------------------------------------------------------------

function renumberQuestions() {
  [...$('question-list').children].forEach((fieldset, i) => {
    const at = `questions[${i}]`;
    fieldset.dataset.field = at;
    fieldset.querySelector('.q-legend').textContent = `Question ${i + 1}`;
    fieldset.querySelector('.q-text').dataset.field = `${at}.text`;
    fieldset.querySelector('.q-options').dataset.field = `${at}.options`;
    fieldset.querySelector('.q-max').dataset.field = `${at}.maxChoices`;
    fieldset.querySelector('.q-scale').dataset.field = `${at}.scale`;
    fieldset.querySelector('.q-kind').dataset.field = `${at}.kind`;
    fieldset.querySelector('.q-remove').hidden = $('question-list').childElementCount === 1;
    fieldset.querySelector('.q-remove').textContent = `Remove question ${i + 1}`;
  });
}

function showKind(fieldset) {
  const kind = fieldset.querySelector('.q-kind select').value;
  fieldset.querySelector('.q-options').hidden = kind === 'rating';
  fieldset.querySelector('.q-max').hidden = kind !== 'multiple';
  fieldset.querySelector('.q-scale').hidden = kind !== 'rating';
  fieldset.querySelector('.q-kind-help').textContent = KIND_HELP[kind];
}

/** A question editor from the page's template, its labels tied to its inputs by fresh ids. */
function addQuestion() {
  const fieldset = $('question-template').content.firstElementChild.cloneNode(true);
  const n = ++questionSerial;
  for (const [part, name] of [['q-text', 'text'], ['q-kind', 'kind'], ['q-options', 'options'], ['q-max', 'max'], ['q-scale-min', 'min'], ['q-scale-max', 'max-scale']]) {
    const holder = fieldset.querySelector(`.${part}`);
    const control = holder.querySelector('input, select, textarea');
    control.id = `q${n}-${name}`;
    holder.querySelector('label').htmlFor = control.id;
    const notes = [...holder.querySelectorAll('p')];
    notes.forEach((p, k) => { p.id = `q${n}-${name}-note${k}`; });
    if (notes.length) control.setAttribute('aria-describedby', notes.map((p) => p.id).join(' '));
  }
  const scaleError = fieldset.querySelector('.q-scale-error');
  scaleError.id = `q${n}-scale-error`;
  for (const input of fieldset.querySelectorAll('.q-scale input')) input.setAttribute('aria-describedby', scaleError.id);
  fieldset.querySelector('.q-kind select').addEventListener('change', () => showKind(fieldset));
  fieldset.querySelector('.q-remove').addEventListener('click', () => {
    fieldset.remove();
    renumberQuestions();
    $('add-question').focus();
  });
  $('question-list').append(fieldset);
  showKind(fieldset);
  renumberQuestions();
  return fieldset;
}
$('add-question').addEventListener('click', () => addQuestion().querySelector('.q-text input').focus());

const numberOrNull = (id) => ($(id).value.trim() === '' ? null : Number($(id).value));
const timeOrNull = (id) => ($(id).value ? new Date($(id).value).toISOString() : null);

function question(fieldset) {
  const kind = fieldset.querySelector('.q-kind select').value;
  const q = { text: fieldset.querySelector('.q-text input').value.trim(), kind };
  if (kind === 'rating') {
    q.scale = { min: Number(fieldset.querySelector('.q-scale-min input').value), max: Number(fieldset.querySelector('.q-scale-max input').value) };
    return q;
  }
  q.options = fieldset.querySelector('.q-options textarea').value.split('\n').map((line) => line.trim()).filter(Boolean).map((text) => ({ text }));
  const max = fieldset.querySelector('.q-max input').value.trim();
  if (kind === 'multiple' && max !== '') q.maxChoices = Number(max);
  return q;
}

function pollBody() {
  const voterPolicy = document.querySelector('input[name=voterPolicy]:checked').value;
  const anonymous = $('anonymous').checked;
  const settings = {
    voterPolicy,
    anonymous,
    allowChangeVote: $('allow-change').checked,
    visibility: $('visibility').value,
    showResultsBeforeClose: $('show-results').checked,
    startsAt: timeOrNull('starts-at'),
    endsAt: timeOrNull('ends-at'),
    fraudVelocityLimit: numberOrNull('velocity-limit'),
    fraudVelocityWindowSeconds: numberOrNull('velocity-window'),
    fraudCheckUnavailable: $('fraud-unavailable').value,
  };
  if (anonymous) settings.anonymity = $('anonymity').value;
  if (voterPolicy === 'token' && numberOrNull('max-vote-tokens') !== null) settings.maxVoteTokens = numberOrNull('max-vote-tokens');
  if ($('webhook').value.trim()) settings.milestoneWebhookUrl = $('webhook').value.trim();
  const description = $('poll-description').value.trim();
  return {
    title: $('poll-title').value.trim(),
    ...(description ? { description } : {}),
    questions: [...$('question-list').children].map(question),
    settings,
  };
}

function syncSettings() {
  $('max-tokens-field').hidden = document.querySelector('input[name=voterPolicy]:checked').value !== 'token';
  $('anonymity-field').hidden = !$('anonymous').checked;
}
$('create-form').addEventListener('change', syncSettings);

function showCreate() {
  show('create-view');
  if (!$('question-list').childElementCount) addQuestion();
  syncSettings();
  $('poll-title').focus();
}

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors($('create-form'));
  $('create-submit').disabled = true;
  status('Creating the poll…');
  try {
    const answer = await api('POST', '/api/polls', pollBody());
    if (answer.status === 201) {
      $('create-form').reset();
      $('question-list').replaceChildren();
      status(`Created “${answer.body.slug}”, a draft: open it when voting may start.`);
      location.hash = `poll=${answer.body.pollId}`;
      return;
    }
    status('');
    showProblem($('create-form'), answer.body, $('create-error'));
  } catch {
    showProblem($('create-form'), { detail: 'The poll could not be sent. Check your connection and try again.' }, $('create-error'));
  } finally {
    $('create-submit').disabled = false;
  }
});

// ---- one poll -------------------------------------------------------------------------------

async function showPoll(pollId) {
  show('poll-view');
  if (poll?.pollId !== pollId) { $('results').replaceChildren(); lastResults = ''; }
  const answer = await api('GET', `/api/polls/${encodeURIComponent(pollId)}`);
  if (answer.status !== 200) { notice(problemText(answer.body, 'This poll could not be loaded.')); return; }
  poll = answer.body;
  if (poll.organizerId !== me.userId && !me.roles.includes('admin')) notice('This poll is someone else’s: only its organiser or an admin may run it.');
  document.title = `${poll.title} · Organiser console · Pollster`;
  $('poll-title-heading').textContent = poll.title;
  $('poll-status').textContent = STATUS_WORDS[poll.status];
  $('poll-status').dataset.status = poll.status;
  $('poll-facts').textContent = `${poll.slug} · for ${POLICY_WORDS[poll.settings.voterPolicy]} · ${poll.questions.length} ${poll.questions.length === 1 ? 'question' : 'questions'}`;
  $('open-poll').hidden = poll.status !== 'draft';
  $('close-poll').hidden = poll.status !== 'active';
  $('close-confirm').hidden = true;
  const code = poll.status === 'active' ? poll.joinCode : undefined;
  $('join-panel').hidden = !code;
  $('join-code').textContent = code ?? '';
  $('join-address').textContent = `${location.origin}/j`;
  $('copy-fallback').hidden = true;
  $('presenter-link').href = `/p/${poll.slug}`;
  $('vote-link').href = `/v/${poll.slug}`;
  $('live-link').href = `/polls/${poll.slug}`;
  $('tokens-panel').hidden = poll.settings.voterPolicy !== 'token' || poll.status === 'closed';
  showIssued();
  await loadResults();
}

async function move(action) {
  // One request per press: a second open or close would only come back 409.
  for (const id of ['open-poll', 'close-now']) $(id).disabled = true;
  const answer = await api('POST', `/api/polls/${poll.pollId}/${action}`).finally(() => {
    for (const id of ['open-poll', 'close-now']) $(id).disabled = false;
  });
  if (answer.status !== 200) { notice(problemText(answer.body, `The poll could not be ${action === 'open' ? 'opened' : 'closed'}.`)); return; }
  notice(null);
  await showPoll(poll.pollId);
  status(action === 'open'
    ? `The poll is open.${answer.body.joinCode ? ` Its join code is ${answer.body.joinCode}.` : ''}`
    : 'The poll is closed: no more ballots count.');
  (action === 'open' && !$('join-panel').hidden ? $('copy-code') : $('poll-title-heading')).focus();
}
$('open-poll').addEventListener('click', () => move('open'));
$('close-poll').addEventListener('click', () => { $('close-confirm').hidden = false; $('close-now').focus(); });
$('close-cancel').addEventListener('click', () => { $('close-confirm').hidden = true; $('close-poll').focus(); });
$('close-now').addEventListener('click', () => move('close'));

$('copy-code').addEventListener('click', async () => {
  const code = $('join-code').textContent;
  try {
    await navigator.clipboard.writeText(code);
    $('copy-fallback').hidden = true;
    status(`Join code ${code} copied.`);
  } catch {
    // No clipboard (an insecure origin, a refused permission): the code, selected, to copy by hand.
    $('copy-fallback').hidden = false;
    $('copy-fallback-input').value = code;
    $('copy-fallback-input').focus();
    $('copy-fallback-input').select();
    status('Copying is not available here: the code is selected, copy it by hand.');
  }
});

// ---- vote tokens ----------------------------------------------------------------------------

function showIssued() {
  const tokens = issued.get(poll.pollId) ?? [];
  $('issued').hidden = tokens.length === 0;
  $('issued-summary').textContent = `${tokens.length} ${tokens.length === 1 ? 'token' : 'tokens'} issued in this tab. Download or print them before you leave: they are not shown again.`;
}

$('tokens-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearErrors($('tokens-form'));
  const count = Number($('token-count').value);
  $('issue-tokens').disabled = true;
  try {
    const answer = await api('POST', `/api/polls/${poll.pollId}/tokens`, { count });
    if (answer.status !== 201) { showProblem($('tokens-form'), answer.body, $('token-count-error')); return; }
    issued.set(poll.pollId, [...(issued.get(poll.pollId) ?? []), ...answer.body.tokens]);
    showIssued();
    status(`${answer.body.tokens.length} vote tokens issued.`);
  } finally {
    $('issue-tokens').disabled = false;
  }
});

/** Posts this tab's tokens to the console route that formats them; the tokens never enter a URL. */
async function handout(kind) {
  const response = await fetch(`/o/polls/${poll.pollId}/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tokens: issued.get(poll.pollId) ?? [] }),
  });
  if (!response.ok) throw new Error(`${response.status}`);
  return response;
}

$('download-csv').addEventListener('click', async () => {
  try {
    const url = URL.createObjectURL(await (await handout('links.csv')).blob());
    const link = el('a', { href: url, download: `${poll.slug}-vote-links.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status('The links are downloaded as a CSV file.');
  } catch {
    notice('The CSV could not be made. Try again.');
  }
});

$('show-sheet').addEventListener('click', async () => {
  try {
    // Our own server's markup: the poll title and tokens in it are escaped there.
    $('sheet-body').innerHTML = await (await handout('qr-sheet')).text();
    show('sheet');
    $('sheet').focus();
    status('The QR sheet is ready to print.');
  } catch {
    notice('The QR sheet could not be made. Try again.');
  }
});
$('print-sheet').addEventListener('click', () => window.print());
$('close-sheet').addEventListener('click', () => { $('sheet-body').replaceChildren(); show('poll-view'); $('show-sheet').focus(); });

// ---- results --------------------------------------------------------------------------------

function table(head, rows) {
  return el('table', { className: 'results-table' },
    el('thead', {}, el('tr', {}, ...head.map((h, i) => el('th', { scope: 'col', className: i ? 'num' : '', textContent: h })))),
    el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => el(i ? 'td' : 'th', { className: i ? 'num' : '', textContent: String(c), ...(i ? {} : { scope: 'row' }) }))))));
}

function questionResults(q, text) {
  const parts = [el('h4', { textContent: text })];
  if (q.kind === 'rating') {
    const n = Object.values(q.distribution ?? {}).reduce((a, b) => a + b, 0);
    parts.push(el('p', { textContent: n ? `Average ${q.average}` : 'No ratings yet.' }),
      table(['Rating', 'Votes'], Object.entries(q.distribution ?? {}).map(([value, votes]) => [value, votes])));
  } else if (q.kind === 'ranked') {
    const last = q.rounds?.at(-1);
    const names = new Map(q.options.map((o) => [o.optionId, o.text]));
    // As on the presenter view: a winner only once the poll is closed, the leader until then.
    const word = poll.status === 'closed' ? 'Winner' : 'Leading';
    parts.push(el('p', { textContent: last ? `${q.winner ? `${word}: ${names.get(q.winner)}` : (poll.status === 'closed' ? 'No winner' : 'No leader yet')} after ${q.rounds.length} instant-runoff ${q.rounds.length === 1 ? 'round' : 'rounds'}.` : 'No rankings yet.' }),
      table(['Option', 'Last round'], q.options.map((o) => [o.text, last?.tallies?.[o.optionId] ?? 0])));
  } else {
    parts.push(table(['Option', 'Votes', '%'], q.options.map((o) => [o.text, o.votes, `${Math.round(o.percentage)}%`])));
  }
  const section = el('section', { className: 'results-question' }, ...parts);
  section.dataset.questionId = q.questionId;
  return section;
}

async function loadResults() {
  const answer = await api('GET', `/api/polls/${poll.pollId}/results`);
  if (answer.status !== 200) {
    $('results-summary').textContent = problemText(answer.body, 'No results yet.');
    lastResults = '';
    $('results').replaceChildren();
    return;
  }
  const r = answer.body;
  const texts = new Map(poll.questions.map((q) => [q.questionId, q.text]));
  // Redrawn only when something changed: the summary is a live region, and a table redrawn under a
  // screen reader's cursor loses its place.
  const drawn = JSON.stringify([poll.status, r.totalBallots, r.flaggedPending, r.questions]);
  if (drawn === lastResults) return;
  lastResults = drawn;
  $('results-summary').replaceChildren(
    el('strong', { id: 'total-ballots', textContent: `${r.totalBallots} ${r.totalBallots === 1 ? 'ballot' : 'ballots'}` }),
    ` counted. Review queue: `,
    el('strong', { id: 'flagged-pending', textContent: String(r.flaggedPending) }),
    ` flagged ${r.flaggedPending === 1 ? 'ballot awaits' : 'ballots await'} a reviewer (they count until a reviewer rejects them).`);
  $('results').replaceChildren(...r.questions.map((q) => questionResults(q, texts.get(q.questionId) ?? '')));
}

/**
 * While an open poll is on screen, its results are read again every few seconds: ballots reach
 * the read model a moment after they are cast, and an organiser should not have to keep pressing
 * Refresh. getResults is a cheap read; the presenter view is the place for every frame live.
 */
setInterval(() => {
  if (!$('poll-view').hidden && poll?.status === 'active' && document.visibilityState === 'visible') loadResults();
}, 5000);
$('refresh-results').addEventListener('click', async () => { await loadResults(); status('Results refreshed.'); });

// ---- start ----------------------------------------------------------------------------------

async function route() {
  if (!accessToken) { show('sign-in'); return; }
  const account = await whoAmI();
  if (!account) { show('sign-in'); return; }
  if (!account.roles.includes('organizer') && !account.roles.includes('admin')) {
    $('no-role-user').textContent = account.userId;
    show('no-role');
    return;
  }
  notice(null);
  const hash = location.hash.slice(1);
  if (hash === 'new') return showCreate();
  const selected = /^poll=([0-9a-f-]{36})$/i.exec(hash);
  if (selected) return showPoll(selected[1]);
  document.title = 'Organiser console · Pollster';
  return showPolls();
}
window.addEventListener('hashchange', () => route());
route();
