import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { excerpt, TEXT_FAULTS, textFault, type TextFault } from '../../domain/shared/text.ts';
import { problemError, type Problem } from './problem-details.ts';

/**
 * Refuses request text PostgreSQL cannot hold (src/domain/shared/text.ts: U+0000, unpaired
 * surrogates) before any route runs, at the field that carries it: 422 in a body, 400 in the
 * path or the query string, as schema failures there are answered.
 *
 * One preValidation hook over the parsed params, query and body rather than a keyword on every
 * TypeBox string schema: a schema keyword covers only the strings someone remembered to type
 * (not object keys, `Type.Unknown`, `Type.Record` keys, nor routes without a schema), while this
 * sees every string of every request on every route, including those registered later, for one
 * walk of what was parsed (bodies are bounded by BODY_LIMIT_BYTES). Streamed uploads are not
 * parsed and not walked: the user import checks its rows itself (import/rows.ts).
 */
export interface TextFaultAt {
  /** Keys and indexes from the root; for a key at fault, the object that has it. */
  path: Array<string | number>;
  fault: TextFault;
}

/**
 * Parsed data, not a stream or a buffer: JSON.parse gives plain objects, the query string parser
 * objects whose prototype is a null-prototype object. Decided by the prototype chain, never by a
 * property (a body may carry its own `constructor` key).
 */
const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
};

interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): Array<string | number> {
  const path: Array<string | number> = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The first string (value or key) PostgreSQL cannot hold, in document order. Iterative, and
 * paths are only built for the answer: a 20,000-level nesting costs neither stack nor memory.
 */
export function findTextFault(root: unknown): TextFaultAt | undefined {
  const stack: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      const fault = textFault(value);
      if (fault) return { path: pathOf(visit), fault };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: i, parent: visit });
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value);
      for (const key of keys) {
        const fault = textFault(key);
        if (fault) return { path: pathOf(visit), fault };
      }
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: value[keys[i]!], key: keys[i]!, parent: visit });
    }
  }
  return undefined;
}

const PARTS = [
  { part: 'params', status: 400 },
  { part: 'querystring', status: 400 },
  { part: 'body', status: 422 },
] as const;

function valueOf(request: FastifyRequest, part: (typeof PARTS)[number]['part']): unknown {
  return part === 'querystring' ? request.query : request[part];
}

export default fp(
  async (app: FastifyInstance) => {
    // Callback style, not async: every request of every route passes here, and a promise per hook adds up.
    app.addHook('preValidation', (request, _reply, done) => {
      for (const { part, status } of PARTS) {
        const found = findTextFault(valueOf(request, part));
        if (!found) continue;
        // The field is cut to a short excerpt when sent: no need to spell out a 100,000-level path.
        const field = [part, ...found.path.slice(0, 50).map((key) => excerpt(String(key), 50))].join('.');
        const problem: Problem = {
          type: `https://pollster.dev/problems/request.${found.fault}`,
          title: 'invalid request',
          status,
          detail: `${field} contains ${TEXT_FAULTS[found.fault]}, which is not text Pollster can store`,
          code: `request.${found.fault}`,
          field,
        };
        return done(problemError(problem));
      }
      done();
    });
  },
  { name: 'text-input', dependencies: ['problem-details'] },
);
