import { loadConfig } from '../../src/config.ts';
import { startServe } from '../../src/runtime/serve.ts';

/** The edge of `bench live` as its own process (started with EDGE_NODE_OPTIONS): what `pollster serve --edge-only` runs. */
await startServe(loadConfig(), { edgeOnly: true });
