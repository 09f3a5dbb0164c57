/**
 * Text PostgreSQL cannot hold. U+0000 is refused by `text` and `jsonb` alike ("invalid byte
 * sequence for encoding UTF8: 0x00", "unsupported Unicode escape sequence"). An unpaired UTF-16
 * surrogate (JSON lets a client send `"\ud800"`) is not Unicode text at all: node-postgres encodes
 * it as U+FFFD in a `text` parameter, silently changing what was stored (and what an integrity
 * hash was computed over), and `jsonb` refuses JSON.stringify's `\ud800` escape outright. Every
 * other character, control characters included, is stored as sent.
 */
export type TextFault = 'nul-character' | 'unpaired-surrogate';

export const TEXT_FAULTS: Record<TextFault, string> = {
  'nul-character': 'a NUL character',
  'unpaired-surrogate': 'an unpaired surrogate',
};

export function textFault(text: string): TextFault | undefined {
  if (text.includes('\u0000')) return 'nul-character';
  if (!text.isWellFormed()) return 'unpaired-surrogate';
  return undefined;
}

/**
 * Untrusted text made safe to send back or store in a message: at most `max` characters (an
 * error must never hand a client its 10 kB input back), NUL and unpaired surrogates as U+FFFD.
 */
export function excerpt(text: string, max = 200): string {
  const clean = text.replaceAll('\u0000', '\ufffd').toWellFormed();
  if (clean.length <= max) return clean;
  // Never cut a surrogate pair in half.
  return `${clean.slice(0, max).toWellFormed().replace(/\ufffd$/, '')}…`;
}
