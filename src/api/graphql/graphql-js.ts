import { createRequire } from 'node:module';

/**
 * graphql-js as mercurius loads it. The package ships a CommonJS and an ES module build without an
 * exports map: Node's loader gives ESM importers the CommonJS one, bundlers and vitest the ES one,
 * and graphql-js tells its errors and types apart with instanceof. Requiring it as mercurius does
 * keeps one copy whatever loads this file.
 */
const require = createRequire(import.meta.url);
const graphql = require('graphql') as typeof import('graphql');

export const { GraphQLError, GraphQLScalarType, Kind, specifiedRules, validate } = graphql;
