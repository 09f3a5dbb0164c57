import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditPath, leafHash, merkleRoot, sortedHeads } from './merkle.ts';

// Streams whose UTF-16 order differs from their UTF-8 byte order (é, U+FFFD, an emoji), and
// sizes on and off powers of two. The roots were computed by the first implementation: a faster
// one must sign exactly the same roots, or every checkpoint signed so far stops verifying.
const NAMES = ['ballot-p-u.a', 'ballot-p-é', 'ballot-p-\u{1F600}', 'ballot-p-\uFFFD', 'poll-p', 'ballot-p-Z', 'ballot-p-z', 'ballot-p-'];
const heads = Array.from({ length: 37 }, (_, i) => ({
  stream: `${NAMES[i % NAMES.length]}${i}`,
  revision: BigInt(i * 7),
  hash: ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(8),
}));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '5499af7b658fb492af9486967e72155b7b2aa590703d04c88da03517bb8ddd89',
  'cf2418f5b02269c78b4514049774600e51c674bfefa8b73bc49de59e6a0ef5d5',
  '7ee3b0521b56d4e539177823b220b7120316c1d505b5e35babd705b8edac4d1e',
  'e969799683c594d2add412b60a2149c51584ae1314b0c1d7fe47d47cef928e98',
  '1232b4e6205c236a8b92e6c8ad5554c99f399292d7865a964e78c92ff4c14d38',
  '1016e9bec983909db88a295221cf7c9f9807710d8e2dbf8d6dcfc31a8324c798',
  'b805c610fe603163792a8b06b85fee8885f4bb47b8953c40bde25fa8667355b5'
];
const SIZES = [0, 1, 2, 3, 5, 8, 13, 37];

describe('merkleRoot (RFC 6962 over stream heads)', () => {
  it('signs the same roots as ever, for every size and in UTF-8 byte order', () => {
    expect(SIZES.map((n) => merkleRoot(heads.slice(0, n)))).toEqual(ROOTS);
    expect(sortedHeads(heads).map((h) => heads.indexOf(h))).toEqual([15, 23, 31, 7, 13, 21, 29, 5, 0, 16, 24, 32, 8, 14, 22, 30, 6, 1, 17, 25, 33, 9, 11, 19, 27, 3, 35, 10, 18, 2, 26, 34, 12, 20, 28, 36, 4]);
    expect(auditPath(sortedHeads(heads).map(leafHash), 11)).toEqual([
  '83686677a0107c707588b0ed3caad8ffae68a1e708cd8c0bf3f14dd06b0280f5',
  '6c6e257586bfb2727ae4c4e90b134e20e4ae1c793a233cf131b3e111b87516c3',
  '59b90f6ec8070c66cad1fb6f78025cc4e51f1d18c893e2edb0a5e4002dc97939',
  'bfd66c90fa51a11587e1308492a208609b0d7e14d4807c6f1197d0a36260f3fa',
  '2cbea07c5fd19b77db246c59a37adf9f952754643810ff6bd35902e5aaa568aa',
  '42907726e9a458d28fd1bbf6648c98a20c96012790b2f1c3df053e2fd5b180ae'
]);
  });

  it('is the RFC 6962 construction: two leaves hash as SHA-256(0x01 ‖ left ‖ right)', () => {
    const [a, b] = sortedHeads(heads.slice(0, 2)).map(leafHash);
    expect(merkleRoot(heads.slice(0, 2))).toBe(createHash('sha256').update(Buffer.from([1])).update(a!).update(b!).digest('hex'));
  });
});
