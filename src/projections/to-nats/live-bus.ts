/**
 * Between the projection that publishes after the read model commits and the edge nodes: NATS in
 * the full stack (subject `pollster.poll.<pollId>.results`), an in-process emitter otherwise.
 */
export interface LiveResultsMessage {
  pollId: string;
  /** Log position the results are current through; viewers drop anything older than they have. */
  position: number;
  /** The getResults body (API.md) as of `position`. */
  results: unknown;
  /** Id of the event that caused this update: the NATS message id, for de-duplication. */
  eventId: string;
}

export interface LiveBus {
  publish(message: LiveResultsMessage): Promise<void>;
  /** Calls `onMessage` for every message of the poll until the returned function is called. */
  subscribe(pollId: string, onMessage: (message: LiveResultsMessage) => void): () => void;
  close(): Promise<void>;
  /** Resolves when the bus's server answers (readiness); absent for the in-process bus. */
  ping?(): Promise<void>;
  /**
   * Calls `listener(false)` when the bus loses its server and `listener(true)` once it is back with
   * every subscription registered there, so that what is published from then on is delivered.
   * Messages published in between are lost to subscribers: they re-read what they show. Absent
   * for a bus that cannot lose its server (in-process). Returns the function that stops the calls.
   */
  onConnectionChange?(listener: (connected: boolean) => void): () => void;
}

export const resultsSubject = (pollId: string): string => `pollster.poll.${pollId}.results`;
