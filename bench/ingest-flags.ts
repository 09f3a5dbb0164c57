/**
 * `npm run bench -- ingest --help`: every flag of the ingest bench, one line or a few each. Kept
 * apart from ingest.ts so that the help loads nothing else.
 */
export const INGEST_FLAGS = `
Ballots through the HTTP API as users run it: the full stack (PostgreSQL, plus a Redis and a NATS of
the bench's own), fraud detection on at its defaults, 10 token polls, each ballot from a random
client network with a browser's user agent, next to pgbench's raw single-row INSERT on the same
database in the same run (the ceiling).

  --ballots N          measured ballots per fraud setting (default 20000), in --rounds rounds
  --concurrency C      clients, each with one request in flight (default 64): a closed loop
  --rate R             paces the load at R ballots/s instead: an open loop, latency at a given load
  --rounds N           measured rounds (default 4); the projections catch up between two, so their
                       work is in the figures. --rate 3000 --ballots 90000 --rounds 1 holds 30 s
  --warmup N           ballots cast first and not counted (default 20000): a server in service runs
                       with its code compiled and its heap grown
  --mode M             start (default): pollster start, as npm start runs it; serve+worker: pollster
                       serve and pollster worker --partitions P; both: the two side by side, a fresh
                       database and processes per session (start, serve+worker, serve+worker, start)
  --blocks N           with --mode both: N blocks of those four sessions, every other one mirrored;
                       each block's ratio and their geometric mean. One block moves by up to ±14%
                       with the host: compare over an even number of blocks, 2 or more
  --partitions P       pollster worker's partitions in serve+worker (default 1: as many as workers)
  --sessions S         own (default): each server process (Pollster's, Redis, NATS) in a session of
                       its own, a scheduling group as a service manager gives each service; shared:
                       all in the bench's session, one group with the load generator
  --fraud F            on (default), off (the polls' velocity limit 0), or both: alternating rounds
                       on one server, with the cost in %
  --rate-limit         keeps the server's per-address ballot limit on (off by default here: every
                       ballot comes from an address of its own, so this measures its cost, never a 429)
  --log-level L        the server's log level (the bench runs it at warn; info: an access line a request)
  --redis URL          use this Redis instead of one of the bench's own (redis-server on PATH)
  --nats URL           use this NATS instead of one of the bench's own (nats-server on PATH)
  --ceiling-seconds S  how long pgbench runs for the ceiling (default 10)
  --node-flags "F"     extra node flags for the server processes
  --timeline           with --rate: each round's latency second by second (p50/p99/max)
  --profile            the API process under --cpu-prof: where its CPU time went
  --statements         SQL statements per ballot, by statement

Printed per ballot: CPU of each Node process (its event loop and its worker threads), of the
PostgreSQL backends of the bench's database, of Redis and of the load generator; how busy the
machine was and its context switches; round trips (SQL statements and Redis calls counted inside
the server, NATS publishes); the waits (group commit, close gate). After the rounds, the HTTP floor:
GET /health/live on the same server and connections, its event-loop CPU a request beside a ballot's.

  --checkpoints [--ballots 60000] [--rounds 4] [--profile]
                       the cost of audit checkpoints and a witness: a fresh server per round, the
                       checkpoint job idle and as configured in turn; the longest gap between two
                       checkpoints of a poll, from the feed
  --fraud-path [--ballots 16000] [--warmup 10000] [--honest-rate 1500] [--flood-rate R]
               [--flood-concurrency C] [--statements] [--only flagged|flood]
                       flagged: the CPU, SQL statements and throughput of ballots flagged fingerprint
                       against clean ones, in ABBA rounds (target ≤ 1.5×); flood: honest token
                       voters' latency in one paced run while a flood from one /24 network, already
                       refused with 428, switches every 500 ms between off, at the server and at a
                       stub answering 428 unread (the floor); target ≤ 20% slower. The flood waits
                       for its answers on --flood-concurrency connections (default --concurrency);
                       a few thousand keep its rate whatever the server does
`;
