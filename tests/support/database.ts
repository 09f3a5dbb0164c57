import { createThrowawayDatabase, type ThrowawayDatabase } from '../../src/db/throwaway-database.ts';
import { serviceUrls } from './services.ts';

export type TestDatabase = ThrowawayDatabase;

/**
 * A fresh, migrated database of its own for one test file, so tests that read `$all` see only
 * their own events and files can run in parallel against one server.
 */
export function createTestDatabase(prefix = 'pollster_test'): Promise<TestDatabase> {
  return createThrowawayDatabase(serviceUrls.postgres, prefix);
}
