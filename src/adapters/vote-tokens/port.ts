/**
 * Whether a vote token was issued for a poll, asked by hash (sha256 hex of the token, what
 * VoteTokensIssued stores and what the voter key `t.<hash>` names). The answer comes from the log:
 * a token counts only if a VoteTokensIssued event of that poll's own stream holds its hash, so a
 * token of another poll is never taken. Adapters keep no per-token state beyond bounded caches
 * (the hashes held in memory have a budget, tokens-in-memory.ts), so an API node's memory does not
 * grow with the number of tokens issued.
 */
export interface VoteTokenRegistry {
  isIssued(pollId: string, tokenHash: string): Promise<boolean>;
}
