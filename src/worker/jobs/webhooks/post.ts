import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { literalHostRefusal, type WebhookTargets } from '../../../adapters/webhook-targets.ts';

/**
 * What one POST achieved, as far as the sender can know:
 * - `delivered`: the receiver answered 2xx.
 * - `retry`: known not to have been accepted: no connection was ever made (refused, DNS, TLS
 *   handshake), or the receiver answered 408/425/429/5xx, i.e. said it did not take it.
 * - `failed`: answered with another status (4xx, a redirect): retrying would not help.
 * - `unknown`: the connection was made and then nothing usable came back (timeout, reset): the
 *   receiver may have acted on it, so it is not sent again automatically.
 */
export type PostOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; error: string }
  | { kind: 'failed'; error: string }
  | { kind: 'unknown'; error: string };

const RETRYABLE_STATUS = new Set([408, 425, 429]);

export function classifyStatus(status: number): PostOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (RETRYABLE_STATUS.has(status) || status >= 500) return { kind: 'retry', error: `receiver answered ${status}` };
  return { kind: 'failed', error: `receiver answered ${status}` };
}

/**
 * POSTs JSON with node:http rather than fetch because the outcome depends on one fact fetch
 * hides: whether the connection was established before the error. A fresh connection per POST
 * (no keep-alive agent) keeps that fact exact.
 */
export function postJson(
  url: string,
  body: unknown,
  options: { timeoutMs: number; headers?: Record<string, string>; targets: WebhookTargets },
): Promise<PostOutcome> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ kind: 'failed', error: 'invalid URL' });
  }
  const secure = target.protocol === 'https:';
  if (!secure && target.protocol !== 'http:') return Promise.resolve({ kind: 'failed', error: `unsupported scheme ${target.protocol}` });
  // Node connects to a literal address without a lookup: check it here; names are checked as resolved.
  const literalRefusal = literalHostRefusal(options.targets, url);
  if (literalRefusal) return Promise.resolve({ kind: 'failed', error: `refused: ${literalRefusal}` });
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = (secure ? https : http).request(
      target,
      {
        method: 'POST',
        agent: false,
        lookup: checkedLookup(options.targets),
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length), ...options.headers },
      },
      (response) => {
        response.resume(); // the status is the answer; the body is drained and dropped
        settle(classifyStatus(response.statusCode ?? 0));
      },
    );
    // Over TLS, "connected" means the handshake finished: before it no byte of the request was sent.
    request.once('socket', (socket) => socket.once(secure ? 'secureConnect' : 'connect', () => (connected = true)));
    const timer = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('error', (error) => {
      const message = error.message || String(error);
      if ((error as NodeJS.ErrnoException).code === REFUSED) return settle({ kind: 'failed', error: message });
      settle(connected ? { kind: 'unknown', error: message } : { kind: 'retry', error: `not sent: ${message}` });
    });
    request.end(payload);
  });
}

const REFUSED = 'EWEBHOOKREFUSED';

/** DNS as usual, then the target policy on every address the name resolved to: the one connected to is among them. */
function checkedLookup(targets: WebhookTargets): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, options as LookupOptions, (error, address, family) => {
      if (error) return callback(error, address as string, family);
      const addresses = Array.isArray(address) ? (address as LookupAddress[]).map((a) => a.address) : [address as string];
      const refusal = addresses.map((a) => targets.refusal(a)).find((r) => r !== undefined);
      if (refusal) return callback(Object.assign(new Error(`refused: ${hostname} resolves to ${refusal}`), { code: REFUSED }), '', 0);
      callback(null, address as string, family);
    });
  };
}
