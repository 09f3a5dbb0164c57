import { join } from 'node:path';
import type { AuditKeySource } from '../audit/signing-key.ts';
import type { Config } from '../config.ts';

/** AUDIT_SIGNING_KEY, else AUDIT_SIGNING_KEY_FILE, else the key file under the data folder (every mode). */
export const auditKeySource = (config: Pick<Config, 'AUDIT_SIGNING_KEY' | 'AUDIT_SIGNING_KEY_FILE' | 'dataDir'>): AuditKeySource =>
  config.AUDIT_SIGNING_KEY ? { value: config.AUDIT_SIGNING_KEY } : { file: config.AUDIT_SIGNING_KEY_FILE ?? join(config.dataDir, 'keys', 'audit-signing-key') };
