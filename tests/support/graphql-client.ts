import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { Caller } from './api-client.ts';

/** A GraphQL request over real HTTP (POST /graphql), as a client sends it. */
export async function gql(baseUrl: string, query: string, variables: Record<string, unknown> = {}, caller?: Caller) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(caller?.headers ?? {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** The first error's code and status, as GraphQL clients read a refusal. */
export const refusal = (body: any): { code?: string; status?: number } => body.errors?.[0]?.extensions ?? {};

export async function until<T>(find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not seen in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A subscription over a websocket with the graphql-transport-ws protocol (what graphql-ws and
 * mercurius' own client speak): connection_init carries the token, as browsers cannot set headers.
 */
export async function subscribe(baseUrl: string, query: string, variables: Record<string, unknown>, caller?: Caller) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: any[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: caller ? { authorization: caller.headers.authorization } : {} }));
  await until(() => messages.find((m) => m.type === 'connection_ack'));
  const start = (id: string) => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  start('1');
  return {
    messages,
    /** The same subscription again on this socket, under another id. */
    again: start,
    /** The payloads of `next` messages so far. */
    frames: () => messages.filter((m) => m.type === 'next').map((m) => m.payload),
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = once(socket, 'close');
      socket.close();
      await closed;
    },
  };
}
