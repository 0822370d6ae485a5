import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIGRATION_ERROR_CODES, MigrationError } from './errors.js';

describe('migration error codes', () => {
  const doc = readFileSync(new URL('../../../../docs/clickhouse.md', import.meta.url), 'utf8');

  it('are each documented in docs/clickhouse.md, which names no other MIGRATE_ code', () => {
    const documented = new Set(doc.match(/\bMIGRATE_[A-Z_]+\b/g));
    expect([...documented].sort()).toEqual([...MIGRATION_ERROR_CODES].sort());
  });

  it('carry code, version, retriable and cause', () => {
    const cause = new Error('engine');
    const err = new MigrationError('MIGRATE_FAILED', 'x', { version: 3, cause, retriable: true });
    expect(err).toMatchObject({ name: 'MigrationError', code: 'MIGRATE_FAILED', version: 3, retriable: true, cause });
    expect(new MigrationError('MIGRATE_INVALID', 'y')).toMatchObject({ version: undefined, retriable: false });
  });
});
