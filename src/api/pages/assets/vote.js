// The vote page: reads the poll (getPoll), asks for what its voter policy needs, casts through
// castBallot (or changeBallot), solves a 428 challenge in a web worker, shows the receipt.
// Plain browser JavaScript, no build step. Account token: localStorage['pollster.accessToken'],
// as the live page; a vote token from the link's fragment `#token=…` (never sent to the server's logs).
// Blind polls (data-blind): vote-blind.js obtains the credential signed in, then every request goes
// without the account, so nothing the server sees ties the ballot to the sign-in but time and address.
import { $, el } from './dom.js';

const pollId = document.body.dataset.pollId;
const TOKEN_KEY = 'pollster.accessToken';
let accessToken = localStorage.getItem(TOKEN_KEY);
const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
/** A link `#fingerprint=<hex>` from the organiser pins the blind poll's key: any other is refused. */
const pinnedKey = new URLSearchParams(location.hash.slice(1)).get('fingerprint');
const blindPoll = document.body.dataset.blind === 'true';
/** vote-blind.js, loaded for blind polls only; `held`: the credential this browser holds for the poll. */
let blind = null;
let held = null;
let poll;
let mode = 'cast';
/** answers[i] was built from questions[answerQuestions[i]]: how a problem's `field` finds its question. */
let answerQuestions = [];

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  // Once a blind credential is held, the account stays out of every request (even a receipt check).
  if (accessToken && !held) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, credentials: held ? 'omit' : 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  return { status: response.status, body: json };
}

function notice(text) {
  $('notice').hidden = !text;
  $('notice').textContent = text ?? '';
}

// ---- the questions -------------------------------------------------------------------------

function questionBlock(q, i) {
  const fieldset = el('fieldset', { className: `question kind-${q.kind}`, id: `q-${q.questionId}` });
  fieldset.dataset.kind = q.kind;
  const legendText = `${i + 1}. ${q.text}`;
  fieldset.append(el('legend', { textContent: legendText }));
  const hintId = `hint-${q.questionId}`;
  const errorId = `err-${q.questionId}`;
  const hint = q.kind === 'single' ? 'Choose one.'
    : q.kind === 'multiple' ? `Choose up to ${q.maxChoices ?? q.options.length}.`
    : q.kind === 'ranked' ? 'Put your favourite first: move options with their buttons (Tab to an option’s button, then Enter).'
    : `From ${q.scale.min} (lowest) to ${q.scale.max} (highest).`;
  fieldset.append(el('p', { className: 'hint muted', id: hintId, textContent: hint }));
  fieldset.setAttribute('aria-describedby', `${hintId} ${errorId}`);
  if (q.kind === 'single' || q.kind === 'multiple') {
    const type = q.kind === 'single' ? 'radio' : 'checkbox';
    fieldset.append(el('div', { className: 'choices' }, ...q.options.map((o) => {
      const input = el('input', { type, name: `q-${q.questionId}`, value: o.optionId, id: `o-${o.optionId}` });
      return el('label', { className: 'choice', htmlFor: input.id }, input, el('span', { textContent: o.text }));
    })));
    if (q.kind === 'multiple') fieldset.addEventListener('change', () => enforceMax(fieldset, q.maxChoices ?? q.options.length));
  } else if (q.kind === 'ranked') {
    const list = el('ol', { className: 'ranking', id: `rank-${q.questionId}` });
    list.setAttribute('aria-label', `${q.text}: your order, first is most preferred`);
    for (const o of q.options) list.append(rankItem(q, o));
    fieldset.append(list, el('p', { className: 'visually-hidden', id: `live-${q.questionId}`, role: 'status' }));
    refreshRankButtons(list);
  } else {
    const values = [];
    for (let v = q.scale.min; v <= q.scale.max; v++) values.push(v);
    fieldset.append(el('div', { className: 'scale' }, ...values.map((v) => {
      const input = el('input', { type: 'radio', name: `q-${q.questionId}`, value: String(v), id: `r-${q.questionId}-${v}` });
      return el('label', { className: 'scale-value', htmlFor: input.id }, input, el('span', { textContent: String(v) }));
    })));
  }
  fieldset.append(el('p', { className: 'error', id: errorId, hidden: true }));
  return fieldset;
}

/** Multiple choice: once `max` boxes are ticked, the others are disabled (and say why in the hint). */
function enforceMax(fieldset, max) {
  const boxes = [...fieldset.querySelectorAll('input[type=checkbox]')];
  const full = boxes.filter((b) => b.checked).length >= max;
  for (const b of boxes) b.disabled = full && !b.checked;
  fieldset.dataset.full = String(full);
}

function rankItem(q, o) {
  const li = el('li', { className: 'rank-item' });
  li.dataset.optionId = o.optionId;
  const label = el('span', { className: 'rank-text', textContent: o.text });
  const up = el('button', { type: 'button', className: 'move up', textContent: '↑' });
  const down = el('button', { type: 'button', className: 'move down', textContent: '↓' });
  up.setAttribute('aria-label', `Move ${o.text} up`);
  down.setAttribute('aria-label', `Move ${o.text} down`);
  up.addEventListener('click', () => move(q, li, -1, up));
  down.addEventListener('click', () => move(q, li, +1, down));
  li.append(el('span', { className: 'rank-number', 'aria-hidden': 'true' }), label, el('span', { className: 'moves' }, up, down));
  return li;
}

function move(q, li, by, button) {
  const list = li.parentElement;
  const items = [...list.children];
  const at = items.indexOf(li);
  const to = at + by;
  if (to < 0 || to >= items.length) return;
  if (by < 0) list.insertBefore(li, items[to]); else list.insertBefore(li, items[to].nextSibling);
  refreshRankButtons(list);
  // Keep the keyboard where it was; if that end is reached, move to the other button.
  (button.disabled ? li.querySelector(by < 0 ? '.down' : '.up') : button).focus();
  $(`live-${q.questionId}`).textContent = `${li.querySelector('.rank-text').textContent}: now ${to + 1} of ${items.length}`;
}

function refreshRankButtons(list) {
  const items = [...list.children];
  items.forEach((item, i) => {
    item.querySelector('.rank-number').textContent = `${i + 1}.`;
    item.querySelector('.up').disabled = i === 0;
    item.querySelector('.down').disabled = i === items.length - 1;
  });
}

function collectAnswers() {
  answerQuestions = [];
  return poll.questions.map((q, i) => {
    answerQuestions.push(i);
    const block = $(`q-${q.questionId}`);
    if (q.kind === 'ranked') return { questionId: q.questionId, ranking: [...block.querySelectorAll('.rank-item')].map((li) => li.dataset.optionId) };
    const checked = [...block.querySelectorAll('input:checked')].map((input) => input.value);
    if (q.kind === 'rating') return { questionId: q.questionId, rating: checked.length ? Number(checked[0]) : null };
    return { questionId: q.questionId, optionIds: checked };
  });
}

// ---- errors at their question ----------------------------------------------------------------

function clearErrors() {
  for (const e of document.querySelectorAll('.error')) { e.hidden = true; e.textContent = ''; }
  for (const f of document.querySelectorAll('[aria-invalid]')) f.removeAttribute('aria-invalid');
}

/** Shows a problem where its `field` points: `answers[i]…` at that question, `voteToken` at the token box. */
function showProblem(problem) {
  const message = problem?.detail ?? problem?.title ?? 'Something went wrong. Try again.';
  const match = /^answers\[(\d+)\]/.exec(problem?.field ?? '');
  const question = match ? poll.questions[answerQuestions[Number(match[1])]] : undefined;
  if (question) {
    const block = $(`q-${question.questionId}`);
    const error = $(`err-${question.questionId}`);
    error.textContent = message;
    error.hidden = false;
    block.setAttribute('aria-invalid', 'true');
    block.scrollIntoView({ block: 'center' });
    block.querySelector('input, button')?.focus();
    return;
  }
  if (problem?.field === 'voteToken' && $('vote-token')) {
    $('vote-token-error').textContent = message;
    $('vote-token-error').hidden = false;
    $('vote-token').setAttribute('aria-invalid', 'true');
    $('vote-token').focus();
    return;
  }
  $('form-error').textContent = message;
  $('form-error').hidden = false;
}

// ---- the voter: token, sign-in, national id ------------------------------------------------

function tokenBox() {
  const input = el('input', { id: 'vote-token', name: 'voteToken', autocomplete: 'off', spellcheck: false, value: fromLink ?? '' });
  input.setAttribute('aria-describedby', 'vote-token-help vote-token-error');
  return el('div', { className: 'field' },
    el('label', { htmlFor: 'vote-token', textContent: 'Your vote token' }),
    input,
    el('p', { className: 'muted', id: 'vote-token-help', textContent: fromLink ? 'It came with your link.' : 'Type the token you were given (each works once).' }),
    el('p', { className: 'error', id: 'vote-token-error', hidden: true }));
}

function signInForm(why) {
  const form = el('form', { id: 'sign-in', className: 'panel' });
  form.append(
    el('h2', { textContent: 'Sign in to vote' }),
    el('p', { textContent: why }),
    el('div', { className: 'field' }, el('label', { htmlFor: 'email', textContent: 'Email' }), el('input', { id: 'email', type: 'email', autocomplete: 'username', required: true })),
    el('div', { className: 'field' }, el('label', { htmlFor: 'password', textContent: 'Password' }), el('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    el('p', { className: 'error', id: 'sign-in-error', hidden: true, role: 'alert' }),
    el('button', { type: 'submit', textContent: 'Sign in' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { status, body } = await api('POST', '/api/auth/login', { email: $('email').value, password: $('password').value });
    if (status !== 200) {
      $('sign-in-error').textContent = status === 401 ? 'That email and password do not match.' : (body?.detail ?? 'Signing in failed. Try again.');
      $('sign-in-error').hidden = false;
      return;
    }
    accessToken = body.accessToken;
    localStorage.setItem(TOKEN_KEY, accessToken);
    start();
  });
  return form;
}

function nationalIdForm() {
  const form = el('form', { id: 'national-id', className: 'panel' });
  form.append(
    el('h2', { textContent: 'Confirm who you are' }),
    el('p', { textContent: 'This poll counts one vote per person: confirm your national ID once, and it is checked with the national registry.' }),
    el('div', { className: 'field' }, el('label', { htmlFor: 'national-id-input', textContent: 'National ID number' }),
      el('input', { id: 'national-id-input', autocomplete: 'off', required: true })),
    el('p', { className: 'error', id: 'national-id-error', hidden: true, role: 'alert' }),
    el('button', { type: 'submit', textContent: 'Confirm' }));
  form.querySelector('#national-id-input').setAttribute('aria-describedby', 'national-id-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const { status, body } = await api('POST', '/api/identity/verify', { nationalId: $('national-id-input').value.trim() });
    if (status === 200 && body.verified) return start();
    $('national-id-error').textContent = body?.detail ?? 'The registry did not confirm this ID.';
    $('national-id-error').hidden = false;
    $('national-id-input').setAttribute('aria-invalid', 'true');
    $('national-id-input').focus();
  });
  return form;
}

/** What the poll's voter policy needs before the ballot can be shown; true when it can. */
async function prepareVoter() {
  const policy = poll.settings.voterPolicy;
  if (held) return showHeld(false);
  if (policy === 'open') { $('voter').replaceChildren(); return true; }
  if (policy === 'token') { $('voter').replaceChildren(tokenBox()); return true; }
  if (!accessToken) {
    $('voter').replaceChildren(signInForm(policy === 'verified' ? 'This poll is for accounts with a confirmed national ID.' : 'This poll is for signed-in accounts.'));
    return false;
  }
  const me = await api('GET', '/api/me');
  if (me.status === 401) { localStorage.removeItem(TOKEN_KEY); accessToken = null; return prepareVoter(); }
  const signedIn = el('p', { className: 'muted' }, `Signed in as ${me.body?.email ?? 'you'}. `,
    el('button', { type: 'button', className: 'link', textContent: 'Sign out', onclick: () => { localStorage.removeItem(TOKEN_KEY); accessToken = null; start(); } }));
  if (policy === 'verified' && !me.body?.nationalIdVerified) { $('voter').replaceChildren(signedIn, nationalIdForm()); return false; }
  if (blind) {
    $('voter').replaceChildren(signedIn, blind.obtainPanel(el, poll, async () => {
      held = await blind.obtainCredential(poll, accessToken, pinnedKey);
      showHeld(true);
      $('credential').focus();
    }));
    return false;
  }
  $('voter').replaceChildren(signedIn);
  return true;
}

/**
 * The blind poll's credential panel; true when the ballot is to be shown at once (come back to
 * vote). `offerChange`: false right after a ballot, whose receipt offers the change itself.
 */
function showHeld(justObtained, offerChange = true) {
  const panel = blind.heldPanel(el, held, {
    justObtained,
    allowChange: offerChange && poll.settings.allowChangeVote && poll.status === 'active',
    onVote: (next) => { setMode(next); showBallot(); $('questions').querySelector('input, button')?.focus(); },
  });
  panel.tabIndex = -1;
  $('voter').replaceChildren(panel);
  if (held.receipt) setMode('change');
  return !justObtained && !held.receipt;
}

function showBallot() {
  if (!$('questions').childElementCount) $('questions').replaceChildren(...poll.questions.map(questionBlock));
  $('ballot').hidden = false;
  $('receipt').hidden = true;
}

// ---- casting -------------------------------------------------------------------------------

/**
 * A 428 from the fraud screen: the ALTCHA widget (served from this server) fetches a puzzle from
 * getChallenge and solves it in a web worker, then hands back the payload castBallot takes as
 * `challenge`. Should the widget not load or fail, the page's own worker solves the same format.
 */
async function solveChallenge() {
  try {
    return await solveWithWidget();
  } catch {
    return solveWithOwnWorker();
  }
}

async function solveWithWidget() {
  await import('/assets/vendor/altcha.js');
  globalThis.$altcha.algorithms.set('SHA-256', () => new Worker('/assets/vendor/altcha-sha-worker.js'));
  return new Promise((resolve, reject) => {
    const widget = document.createElement('altcha-widget');
    widget.setAttribute('challenge', '/api/challenge');
    widget.setAttribute('auto', 'onload');
    widget.setAttribute('hidelogo', '');
    widget.setAttribute('hidefooter', '');
    const timer = setTimeout(() => { widget.remove(); reject(new Error('the widget took too long')); }, 30_000);
    widget.addEventListener('statechange', (event) => {
      const { state, payload } = event.detail ?? {};
      if (state === 'verified' && payload) { clearTimeout(timer); widget.remove(); resolve(payload); }
      if (state === 'error' || state === 'expired') { clearTimeout(timer); widget.remove(); reject(new Error(state)); }
    });
    $('challenge-slot').replaceChildren(widget);
  });
}

function solveWithOwnWorker() {
  return new Promise(async (resolve, reject) => {
    const puzzle = await api('GET', '/api/challenge');
    if (puzzle.status !== 200) return reject(new Error('no challenge'));
    const worker = new Worker('/assets/pages/challenge-worker.js');
    worker.onmessage = (event) => {
      worker.terminate();
      if (event.data.number === null) return reject(new Error('unsolved'));
      const { algorithm, challenge, salt, signature } = puzzle.body;
      resolve(btoa(JSON.stringify({ algorithm, challenge, number: event.data.number, salt, signature })));
    };
    worker.onerror = (error) => { worker.terminate(); reject(error); };
    worker.postMessage(puzzle.body);
  });
}

async function submit(event) {
  event.preventDefault();
  clearErrors();
  const body = { answers: collectAnswers() };
  if (poll.settings.voterPolicy === 'token') body.voteToken = $('vote-token')?.value.trim() ?? '';
  $('cast').disabled = true;
  $('working').textContent = mode === 'change' ? 'Changing your vote…' : 'Casting your vote…';
  const send = () => held
    ? blind.castHeld(held, body.answers, { change: mode === 'change', challenge: body.challenge })
    : api(mode === 'change' ? 'PUT' : 'POST', `/api/polls/${pollId}/ballots${mode === 'change' ? '/mine' : ''}`, body);
  try {
    let answer = await send();
    if (answer.status === 428) {
      $('working').textContent = 'Many votes come from your network: your browser is doing a short check. One moment…';
      body.challenge = await solveChallenge();
      $('challenge-slot').replaceChildren();
      answer = await send();
    }
    if (answer.status === 201 || answer.status === 200) {
      showReceipt(answer.body);
      if (held) { held = blind.heldCredential(pollId); showHeld(false, false); }
      return;
    }
    if (answer.status === 409 && answer.body?.code === 'already-voted') return alreadyVoted();
    if (answer.status === 401 && !held) { localStorage.removeItem(TOKEN_KEY); accessToken = null; await start(); return; }
    showProblem(answer.body);
  } catch {
    showProblem({ detail: 'The vote could not be sent. Check your connection and try again.' });
  } finally {
    $('cast').disabled = false;
    $('working').textContent = '';
  }
}

function alreadyVoted() {
  showProblem({ detail: poll.settings.allowChangeVote ? 'You have already voted. You may change your vote: answer again and press “Change my vote”.' : 'You have already voted in this poll, and its votes cannot be changed.' });
  if (poll.settings.allowChangeVote) setMode('change');
}

function setMode(next) {
  mode = next;
  $('cast').textContent = next === 'change' ? 'Change my vote' : 'Cast my vote';
}

function showReceipt(result) {
  const section = $('receipt');
  const check = el('button', { type: 'button', textContent: 'Check my receipt now' });
  const checked = el('p', { role: 'status', id: 'receipt-check' });
  check.addEventListener('click', async () => {
    const { status, body } = await api('GET', `/api/receipts/${encodeURIComponent(result.receipt)}`);
    checked.textContent = status === 200 && body.included ? `Included: your ballot is in the log at position ${body.position}.` : 'Not found yet: try again in a moment.';
    checked.dataset.included = String(status === 200 && body.included === true);
  });
  const parts = [
    el('h2', { id: 'receipt-title', textContent: mode === 'change' ? 'Your vote is changed' : 'Your vote is cast' }),
    el('p', { textContent: 'Keep this receipt. It proves your ballot is in the poll’s log without showing how you voted.' }),
    el('p', { className: 'receipt-code' }, el('code', { id: 'receipt-code', textContent: result.receipt })),
    el('p', {}, 'Anyone can check it, now or later, at ', el('a', { href: `/api/receipts/${encodeURIComponent(result.receipt)}`, textContent: `/api/receipts/${result.receipt.slice(0, 12)}…` }), '.'),
    check, checked,
  ];
  if (poll.settings.allowChangeVote && poll.status === 'active') {
    const change = el('button', { type: 'button', className: 'secondary', textContent: 'Change my vote' });
    change.addEventListener('click', () => { setMode('change'); section.hidden = true; $('ballot').hidden = false; $('questions').querySelector('input, button')?.focus(); });
    parts.push(el('p', {}, change));
  }
  if (poll.settings.showResultsBeforeClose) parts.push(el('p', {}, el('a', { href: `/polls/${poll.slug}`, textContent: 'See the live results' })));
  section.replaceChildren(...parts);
  $('ballot').hidden = true;
  section.hidden = false;
  section.focus();
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  if (blindPoll) {
    blind ??= await import('/assets/pages/vote-blind.js');
    held = blind.heldCredential(pollId);
  }
  let loaded = await api('GET', `/api/polls/${pollId}`).catch(() => ({ status: 0 }));
  // Read without the account, a poll of an organisation is closed to the holder: the copy kept with the credential serves.
  if (held && loaded.status !== 200 && held.poll) loaded = { status: 200, body: held.poll };
  if (loaded.status !== 200) {
    $('title').textContent = loaded.status === 404 || loaded.status === 403 ? 'This poll is not available to you' : 'The poll could not be loaded';
    if ((loaded.status === 404 || loaded.status === 403 || loaded.status === 401) && !accessToken) $('voter').replaceChildren(signInForm('It may be for signed-in accounts only.'));
    else notice('Reload the page to try again.');
    return;
  }
  poll = loaded.body;
  document.title = `${poll.title} · Vote · Pollster`;
  $('title').textContent = poll.title;
  $('description').hidden = !poll.description;
  $('description').textContent = poll.description ?? '';
  if (poll.status !== 'active') {
    notice(poll.status === 'closed' ? 'This poll is closed: no more votes are taken.' : 'This poll has not opened yet. Come back when the organiser opens it.');
    $('ballot').hidden = true;
    if (poll.status === 'closed') $('voter').replaceChildren(el('p', {}, el('a', { href: `/polls/${poll.slug}`, textContent: 'See the results' })));
    if (poll.status === 'closed' && held) $('voter').append(el('p', { textContent: 'This browser still holds your ballot credential for this poll. It is of no use now that the poll is closed: remove it, so that nobody using this browser can read your vote with it.' }),
      el('button', { type: 'button', className: 'secondary', textContent: 'Remove the credential from this browser', onclick: () => { blind.forgetCredential(pollId); held = null; start(); } }));
    return;
  }
  notice(null);
  if (!(await prepareVoter())) { $('ballot').hidden = true; return; }
  showBallot();
}

$('ballot').addEventListener('submit', submit);
start();
