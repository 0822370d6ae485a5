// The settings a client may send (as URL parameters or in a query's SETTINGS clause) and the URL
// parameters of ClickHouse's HTTP interface the endpoint reads: both ALLOW lists, each name with a
// typed validator. A value is parsed into a number, a boolean or one member of a fixed set, and what
// reaches the engine is built from that parsed value, never from the client's text (chdb applies
// settings as `SET name = '<value>'` statements, so a value passed through as text was SQL).
//
// Everything not listed is refused with an error naming it: the engine's own limits (`readonly`,
// `max_*` beyond the endpoint's, `allow_*`), settings that write files (`max_bytes_before_external_*`
// spill to disk), change how SQL is parsed (`dialect`), share results between clients
// (`use_query_cache`) or point at files (`format_schema`, `format_template_*`).
import type { EngineCatalog } from './engine-catalog.js';
import type { ResolvedQueryEndpointOptions } from './options.js';

export type SettingValue = number | boolean | string;

/** Parses a client's text; `undefined` means "not a valid value" (the caller names the setting). */
interface Validator {
  /** What is accepted, for the error message and the docs. */
  readonly expects: string;
  parse(raw: string, catalog: EngineCatalog): SettingValue | undefined;
}

const bool: Validator = {
  expects: '0, 1, true or false',
  parse: (raw) => {
    const v = raw.toLowerCase();
    if (v === '1' || v === 'true') return true;
    if (v === '0' || v === 'false') return false;
    return undefined;
  },
};

const uint = (min: number, max: number): Validator => ({
  expects: `an integer from ${min} to ${max}`,
  parse: (raw) => {
    if (!/^\d{1,16}$/.test(raw)) return undefined;
    const n = Number(raw);
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  },
});

/** Seconds, as ClickHouse's `Seconds` type: a non-negative number, fractions allowed. */
const seconds = (max: number): Validator => ({
  expects: `a number of seconds from 0 to ${max}`,
  parse: (raw) => {
    if (!/^\d{1,9}(\.\d{1,6})?$/.test(raw)) return undefined;
    const n = Number(raw);
    return n <= max ? n : undefined;
  },
});

/** One of `values`, matched case-insensitively and given back as written here. */
const oneOf = (...values: string[]): Validator => ({
  expects: `one of ${values.map((v) => `'${v}'`).join(', ')}`,
  parse: (raw) => values.find((v) => v.toLowerCase() === raw.toLowerCase()),
});

const timeZone: Validator = {
  expects: 'a time zone name from system.time_zones',
  parse: (raw, catalog) => (catalog.timeZones.has(raw) ? raw : undefined),
};

/** One printable ASCII character other than a quote or a backslash. */
const char: Validator = {
  expects: "one printable ASCII character other than ' and \\",
  parse: (raw) => (/^[\x20-\x26\x28-\x5b\x5d-\x7e]$/.test(raw) ? raw : undefined),
};

const UINT64_MAX_SAFE = Number.MAX_SAFE_INTEGER;
const OVERFLOW_MODE = oneOf('throw', 'break');

/**
 * Limits the endpoint sets on every query. A client may ask for less (0 or absent means the
 * endpoint's limit), never more: a larger value is lowered to the limit, as a server's constraint
 * `max` would, so drivers that send their own timeout (clickhouse-go, Grafana, JDBC's
 * setQueryTimeout) keep working.
 */
export const LIMIT_SETTINGS = {
  max_result_rows: (o: ResolvedQueryEndpointOptions) => o.limits.maxResultRows,
  max_result_bytes: (o: ResolvedQueryEndpointOptions) => o.limits.maxResultBytes,
  max_execution_time: (o: ResolvedQueryEndpointOptions) => o.limits.maxExecutionTimeSec,
  max_memory_usage: (o: ResolvedQueryEndpointOptions) => o.limits.maxMemoryBytes,
} as const;
export type LimitSetting = keyof typeof LIMIT_SETTINGS;
export const isLimitSetting = (name: string): name is LimitSetting => Object.hasOwn(LIMIT_SETTINGS, name);

/** Settings a client may send, by name. Limits are clamped (see LIMIT_SETTINGS). */
export const ALLOWED_SETTINGS: Readonly<Record<string, Validator>> = {
  // Limits: lower only.
  max_result_rows: uint(0, UINT64_MAX_SAFE),
  max_result_bytes: uint(0, UINT64_MAX_SAFE),
  max_execution_time: seconds(1_000_000),
  max_memory_usage: uint(0, UINT64_MAX_SAFE),
  result_overflow_mode: OVERFLOW_MODE,
  max_rows_to_read: uint(0, UINT64_MAX_SAFE),
  max_bytes_to_read: uint(0, UINT64_MAX_SAFE),
  read_overflow_mode: OVERFLOW_MODE,
  max_rows_to_group_by: uint(0, UINT64_MAX_SAFE),
  group_by_overflow_mode: oneOf('throw', 'break', 'any'),
  max_rows_to_sort: uint(0, UINT64_MAX_SAFE),
  max_bytes_to_sort: uint(0, UINT64_MAX_SAFE),
  sort_overflow_mode: OVERFLOW_MODE,
  max_rows_in_distinct: uint(0, UINT64_MAX_SAFE),
  distinct_overflow_mode: OVERFLOW_MODE,
  // Query behaviour.
  max_threads: uint(0, 64),
  max_block_size: uint(1, 1_048_576),
  limit: uint(0, UINT64_MAX_SAFE),
  offset: uint(0, UINT64_MAX_SAFE),
  extremes: bool,
  final: bool,
  join_use_nulls: bool,
  joined_subquery_requires_alias: bool,
  prefer_column_name_to_alias: bool,
  aggregate_functions_null_for_empty: bool,
  transform_null_in: bool,
  cast_keep_nullable: bool,
  union_default_mode: oneOf('', 'ALL', 'DISTINCT'),
  count_distinct_implementation: oneOf('uniq', 'uniqCombined', 'uniqCombined64', 'uniqHLL12', 'uniqExact'),
  session_timezone: timeZone,
  // Output.
  date_time_output_format: oneOf('simple', 'iso', 'unix_timestamp'),
  output_format_json_quote_64bit_integers: bool,
  output_format_json_quote_64bit_floats: bool,
  output_format_json_quote_denormals: bool,
  output_format_json_quote_decimals: bool,
  output_format_json_named_tuples_as_objects: bool,
  output_format_json_array_of_rows: bool,
  output_format_json_validate_utf8: bool,
  output_format_json_escape_forward_slashes: bool,
  output_format_json_pretty_print: bool,
  output_format_write_statistics: bool,
  output_format_decimal_trailing_zeros: bool,
  output_format_csv_crlf_end_of_line: bool,
  output_format_tsv_crlf_end_of_line: bool,
  output_format_pretty_max_rows: uint(0, 1_000_000),
  output_format_pretty_color: oneOf('0', '1', 'auto'),
  output_format_pretty_grid_charset: oneOf('UTF-8', 'ASCII'),
  output_format_arrow_string_as_string: bool,
  output_format_parquet_string_as_string: bool,
  output_format_native_encode_types_in_binary_format: bool,
  output_format_binary_encode_types_in_binary_format: bool,
  format_csv_delimiter: char,
  // Sent by clients that also write (@clickhouse/client as configured by this project); they change
  // nothing for a read.
  date_time_input_format: oneOf('basic', 'best_effort', 'best_effort_us'),
  async_insert: bool,
  wait_for_async_insert: bool,
  input_format_skip_unknown_fields: bool,
};

/** How a URL parameter of the HTTP interface (not a setting) is read. */
interface ProtocolParameter extends Validator {
  /** Accepted for compatibility and otherwise ignored (documented as such). */
  readonly ignored?: true;
}

const text = (max: number, pattern: RegExp, expects: string): Validator => ({
  expects,
  parse: (raw) => (raw.length <= max && pattern.test(raw) ? raw : undefined),
});
const PRINTABLE = text(128, /^[\x21-\x7e]+$/, 'printable ASCII without spaces, at most 128 characters');
const IDENTIFIER = text(128, /^[A-Za-z_][A-Za-z0-9_]*$/, 'an identifier ([A-Za-z_][A-Za-z0-9_]*)');
const ANY_TEXT: Validator = { expects: 'text', parse: (raw) => raw };
const ignored = (v: Validator): ProtocolParameter => ({ ...v, ignored: true });

/**
 * URL parameters the HTTP interface reads itself (ClickHouse's HTTPHandler), besides settings and
 * `param_<name>`. Sessions are not kept (every request runs on its own connection and its answer is
 * complete before it is sent), so session and progress parameters are validated and ignored.
 */
export const PROTOCOL_PARAMETERS: Readonly<Record<string, ProtocolParameter>> = {
  query: ANY_TEXT,
  database: IDENTIFIER,
  default_format: text(64, /^[A-Za-z0-9_]+$/, 'an output format name'),
  query_id: PRINTABLE,
  user: ANY_TEXT,
  password: ANY_TEXT,
  compress: bool,
  decompress: bool,
  enable_http_compression: bool,
  http_zlib_compression_level: ignored(uint(1, 9)),
  client_protocol_version: uint(0, 1_000_000),
  session_id: ignored(PRINTABLE),
  session_timeout: ignored(uint(0, 86_400)),
  session_check: ignored(bool),
  close_session: ignored(bool),
  wait_end_of_query: ignored(bool),
  http_wait_end_of_query: ignored(bool),
  buffer_size: ignored(uint(0, 2 ** 31)),
  http_response_buffer_size: ignored(uint(0, 2 ** 31)),
  send_progress_in_http_headers: ignored(bool),
  http_headers_progress_interval_ms: ignored(uint(0, 86_400_000)),
  cancel_http_readonly_queries_on_client_close: ignored(bool),
  http_native_compression_disable_checksumming_on_decompress: ignored(bool),
  stacktrace: ignored(bool),
  quota_key: ignored(PRINTABLE),
  role: ignored(IDENTIFIER),
};

export const PARAM_PREFIX = 'param_';
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A refusal of one parameter or setting: code, type and message as a server would give them. */
export interface ParameterRefusal {
  readonly code: number;
  readonly type: string;
  readonly message: string;
}

export type SettingCheck = { readonly ok: true; readonly value: SettingValue } | { readonly ok: false; readonly refusal: ParameterRefusal };

/**
 * Validates one setting by name. Limits are clamped to the endpoint's (0 means the endpoint's).
 * `where` says where it came from ("URL parameter", "SETTINGS clause") for the message.
 */
export function checkSetting(name: string, raw: string, where: string, catalog: EngineCatalog, options: ResolvedQueryEndpointOptions): SettingCheck {
  const validator = Object.hasOwn(ALLOWED_SETTINGS, name) ? ALLOWED_SETTINGS[name] : undefined;
  if (validator === undefined) {
    if (!catalog.settings.has(name)) {
      return { ok: false, refusal: { code: 115, type: 'UNKNOWN_SETTING', message: `Unknown setting '${shown(name)}' (${where})` } };
    }
    return {
      ok: false,
      refusal: {
        code: 452,
        type: 'SETTING_CONSTRAINT_VIOLATION',
        message: `Setting '${name}' (${where}) is not allowed on this read-only endpoint; it accepts only the settings listed in docs/clickhouse.md`,
      },
    };
  }
  const value = validator.parse(raw, catalog);
  if (value === undefined) {
    return {
      ok: false,
      refusal: { code: 452, type: 'SETTING_CONSTRAINT_VIOLATION', message: `Setting '${name}' (${where}) expects ${validator.expects}; got '${shown(raw)}'` },
    };
  }
  if (isLimitSetting(name)) {
    const limit = LIMIT_SETTINGS[name](options);
    const asked = value as number;
    return { ok: true, value: asked === 0 ? limit : Math.min(asked, limit) };
  }
  return { ok: true, value };
}

export interface RequestParameters {
  /** Protocol parameters, validated (ignored ones included, for completeness). */
  readonly protocol: ReadonlyMap<string, SettingValue>;
  /** Settings from the URL, validated and clamped. */
  readonly settings: ReadonlyMap<string, SettingValue>;
  /** `param_<name>` values, raw (bound as typed parameters, never spliced into SQL). */
  readonly queryParams: ReadonlyMap<string, string>;
}

export type ParametersCheck = { readonly ok: true; readonly parameters: RequestParameters } | { readonly ok: false; readonly refusal: ParameterRefusal };

/** Validates every URL parameter against the allow lists; the first refused one is named. */
export function checkRequestParameters(params: URLSearchParams, catalog: EngineCatalog, options: ResolvedQueryEndpointOptions): ParametersCheck {
  const protocol = new Map<string, SettingValue>();
  const settings = new Map<string, SettingValue>();
  const queryParams = new Map<string, string>();
  const seen = new Set<string>();
  for (const [name, raw] of params) {
    if (seen.has(name)) {
      return { ok: false, refusal: { code: 36, type: 'BAD_ARGUMENTS', message: `URL parameter '${shown(name)}' is given more than once` } };
    }
    seen.add(name);
    if (name.startsWith(PARAM_PREFIX)) {
      const key = name.slice(PARAM_PREFIX.length);
      if (!PARAM_NAME.test(key)) {
        return { ok: false, refusal: { code: 457, type: 'BAD_QUERY_PARAMETER', message: `Query parameter name '${shown(key)}' is not an identifier` } };
      }
      queryParams.set(key, raw);
      continue;
    }
    const parameter = Object.hasOwn(PROTOCOL_PARAMETERS, name) ? PROTOCOL_PARAMETERS[name] : undefined;
    if (parameter !== undefined) {
      const value = parameter.parse(raw, catalog);
      if (value === undefined) {
        return {
          ok: false,
          refusal: { code: 36, type: 'BAD_ARGUMENTS', message: `URL parameter '${name}' expects ${parameter.expects}; got '${shown(raw)}'` },
        };
      }
      protocol.set(name, value);
      continue;
    }
    const checked = checkSetting(name, raw, 'URL parameter', catalog, options);
    if (!checked.ok) return checked;
    settings.set(name, checked.value);
  }
  return { ok: true, parameters: { protocol, settings, queryParams } };
}

/** A client's text in an error message: bounded, one line, control characters escaped. */
export function shown(raw: string): string {
  const clipped = raw.length > 80 ? `${raw.slice(0, 80)}...` : raw;
  return JSON.stringify(clipped).slice(1, -1);
}
