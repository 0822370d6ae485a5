// Migration failures. Kept beside the runner, not in the package's errors.ts (whose closed CH_ list
// describes the factory's and the engine's errors, and whose test holds docs/clickhouse.md to exactly
// those), with the same shape: a closed `as const` list of codes with their own MIGRATE_ prefix,
// `code`, `retriable`, `cause`, plus the version concerned. Documented in docs/clickhouse.md.

import { CodedError } from '@shadow/options';

export const MIGRATION_ERROR_CODES = [
  /** The list is malformed: a version not a positive integer, duplicated or out of order, an empty name or statement. */
  'MIGRATE_INVALID',
  /** A statement is not idempotent-style (`CREATE` without `IF NOT EXISTS`, `DROP` without `IF EXISTS`, ...). */
  'MIGRATE_NOT_IDEMPOTENT',
  /** An applied version's statements changed since it was applied. */
  'MIGRATE_CHECKSUM_MISMATCH',
  /** A statement failed in the engine; `cause` is the ClickHouseError. */
  'MIGRATE_FAILED',
] as const;

export type MigrationErrorCode = (typeof MIGRATION_ERROR_CODES)[number];

export class MigrationError extends CodedError<MigrationErrorCode> {
  override readonly name = 'MigrationError';
  /** The migration version the error is about, when there is one. */
  readonly version: number | undefined;

  /** `retriable`: whether running again later can succeed unchanged: only engine failures that are themselves retriable. */
  constructor(code: MigrationErrorCode, message: string, options: { version?: number; cause?: unknown; retriable?: boolean } = {}) {
    super(code, message, { cause: options.cause, retriable: options.retriable ?? false });
    this.version = options.version;
  }
}

export const isMigrationError = (value: unknown): value is MigrationError => value instanceof MigrationError;
