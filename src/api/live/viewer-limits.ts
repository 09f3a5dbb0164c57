import type { FastifyRequest } from 'fastify';
import { PollsterError } from '../../domain/shared/errors.ts';
import { clientAddress } from '../client-address.ts';

/** 429 with a stable code: the limit is the client's (or this node's), not a fault. */
export class TooManyViewersError extends PollsterError {
  readonly kind = 'too-many-requests';
}

/**
 * Bounds on live viewers (websocket and SSE connections) per node: per client address, so one
 * host cannot hold thousands of sockets (and their memory) open, and in total, so a node refuses
 * new viewers with a clear 429 before it runs out of memory or file descriptors. A slot is taken
 * when the connection is admitted, before the upgrade, and given back when its socket closes.
 * 0 turns a bound off.
 */
export class ViewerLimits {
  readonly #perAddress: number;
  readonly #total: number;
  readonly #byAddress = new Map<string, number>();
  #count = 0;

  constructor(options: { perAddress: number; total: number }) {
    this.#perAddress = options.perAddress;
    this.#total = options.total;
  }

  admit(request: FastifyRequest): void {
    const address = clientAddress(request);
    const mine = this.#byAddress.get(address) ?? 0;
    if (this.#total > 0 && this.#count >= this.#total) {
      throw new TooManyViewersError('live.node-full', `this node serves its maximum of ${this.#total} live viewers; retry, or use another node`);
    }
    if (this.#perAddress > 0 && mine >= this.#perAddress) {
      throw new TooManyViewersError('live.too-many-viewers', `at most ${this.#perAddress} live connections per client address`);
    }
    this.#byAddress.set(address, mine + 1);
    this.#count++;
    request.raw.socket.once('close', () => {
      this.#count--;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
    });
  }
}
