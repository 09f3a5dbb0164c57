import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson, canonicalJsonOf } from '../event-store/integrity/canonical-json.ts';
import { checkStream, contentDigest, GENESIS, link, type StoredChainEvent } from '../event-store/integrity/chain.ts';
import { buildCheckpoint, checkpointSignatureValid, treeOf } from './checkpoint.ts';
import { leafHash, merkleRoot } from './merkle.ts';
import { pgJsonbText, plainDecimal } from '../event-store/integrity/pg-jsonb-text.ts';
import { signingKeyFrom } from './signing.ts';

const SEED = Buffer.alloc(32, 7).toString('base64url');

function chain(stream: string, n: number): StoredChainEvent[] {
  let prev: Buffer = GENESIS;
  return Array.from({ length: n }, (_, i) => {
    const e = { id: `00000000-0000-4000-8000-00000000000${i}`, stream, type: 'T', data: { n: i }, metadata: {}, revision: BigInt(i), position: BigInt(100 + i) };
    prev = link(prev, e.revision, contentDigest(e));
    return { ...e, hash: prev.toString('hex') };
  });
}

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, writes numbers and strings as ECMAScript does, no whitespace', () => {
    // The RFC's own example (section 3.2.2), abridged.
    expect(canonicalJson({ numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001], string: '€$\u000f\nA\'B"\\\\"/', literals: [null, true, false] })).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, '1': 4, 'ö': 5 })).toBe('{"\\r":2,"1":4,"ö":5,"€":1,"😀":3}');
    expect(canonicalJson(-0)).toBe('0');
    expect(() => canonicalJson(Number.NaN)).toThrow();
  });

  it('the append path\'s fast form equals the canonical form of the stored JSON', () => {
    const samples: unknown[] = [
      { b: [1, { z: undefined, y: new Date(0), x: 'é\u2028' }], a: null, c: -0, d: 1e-7 },
      { '10': 1, '9': 2, nested: { '2': [3] } },
      [undefined, () => 1, { toJSON: () => ({ q: 1, p: 2 }) }],
      'just a string',
      JSON.parse('{"__proto__":[1],"a":{"__proto__":null}}'), // own "__proto__" members, as parsed
    ];
    for (const value of samples) expect(canonicalJsonOf(value)).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
  });

  // The oracle: `canonicalize`, a reference RFC 8785 implementation. Strings are well formed
  // (canonicalize refuses lone surrogates, which the log's JSON cannot hold anyway).
  const json = fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 });
  /** Objects with integer-like keys, which JS orders numerically and JCS by code unit. */
  const integerKeyed = fc.dictionary(fc.oneof(fc.nat({ max: 1_000 }).map(String), fc.string({ unit: 'grapheme' })), json, { maxKeys: 8 });

  it('agrees with a reference implementation over generated JSON values', () => {
    fc.assert(
      fc.property(fc.oneof(json, integerKeyed), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
        expect(canonicalJsonOf(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });

  it('agrees with it over numbers, which JCS writes as ECMAScript does', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
        expect(canonicalJson({ n: [value] })).toBe(canonicalize({ n: [value] }));
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('jsonb text (digest format 0)', () => {
  it('orders keys by length, then bytes, and writes numbers without exponents', () => {
    expect(pgJsonbText(['T', { bb: 1e-7, a: 'x\u0001"é', ccc: [1e21, 2.5] }, 'x'])).toBe('["T", {"a": "x\\u0001\\"é", "bb": 0.0000001, "ccc": [1000000000000000000000, 2.5]}, "x"]');
    expect(plainDecimal(-1.5e-7)).toBe('-0.00000015');
    expect(plainDecimal(1.25e22)).toBe('12500000000000000000000');
  });
});

describe('the chain', () => {
  it('an untouched stream checks clean; each kind of tamper is reported with stream and revision', () => {
    const events = chain('s-1', 5);
    expect(checkStream(events)).toEqual([]);
    const edited = events.map((e, i) => (i === 2 ? { ...e, data: { n: 99 } } : e));
    expect(checkStream(edited)).toMatchObject([{ code: 'chain.hash-mismatch', stream: 's-1', revision: 2n }]);
    expect(checkStream(events.filter((_, i) => i !== 1)).map((p) => p.code)).toEqual(['chain.revision-gap']);
    const swapped = events.map((e, i) => (i === 1 ? { ...e, revision: 3n } : i === 3 ? { ...e, revision: 1n } : e));
    expect(checkStream(swapped).length).toBeGreaterThan(0);
    expect(checkStream([...events, { ...events[4]!, id: 'x' }]).map((p) => p.code)).toContain('chain.revision-repeated');
  });
});

describe('Merkle root and signed checkpoints', () => {
  it('RFC 6962 shape: one leaf is its leaf hash, order of input does not matter', () => {
    const heads = [{ stream: 'b', revision: 1n, hash: '11'.repeat(32) }, { stream: 'a', revision: 0n, hash: '22'.repeat(32) }, { stream: 'c', revision: 4n, hash: '33'.repeat(32) }];
    expect(merkleRoot([heads[0]!])).toBe(leafHash(heads[0]!).toString('hex'));
    expect(merkleRoot(heads)).toBe(merkleRoot([...heads].reverse()));
    expect(merkleRoot(heads)).not.toBe(merkleRoot(heads.slice(0, 2)));
  });

  it('a checkpoint verifies with its key and fails after any change or under another key', () => {
    const key = signingKeyFrom(SEED);
    const checkpoint = buildCheckpoint({ pollId: 'p', through: 10n, tree: treeOf([{ stream: 'poll-p', revision: 0n, hash: '00'.repeat(32) }]), events: 1, reason: 'close', signedAt: new Date(0) }, key);
    expect(checkpointSignatureValid(checkpoint, key.publicKey)).toBe(true);
    expect(checkpointSignatureValid({ ...checkpoint, events: 2 }, key.publicKey)).toBe(false);
    expect(checkpointSignatureValid(checkpoint, signingKeyFrom(Buffer.alloc(32, 8).toString('base64')).publicKey)).toBe(false);
  });
});
