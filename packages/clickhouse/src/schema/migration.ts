// Structurally identical to @shadow/clickhouse's migrate/ Migration (helper H); re-pointed there once
// it lands, so SCHEMA_MIGRATIONS type-checks against the runner either way.
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}
