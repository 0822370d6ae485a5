// The parts of ClickHouse's HTTP interface a client relies on, as data: which Content-Type each output
// format gets, and how credentials arrive. (Which URL parameters it accepts: settings-allow-list.ts.)
import type { IncomingMessage } from 'node:http';

/** Content-Type a server sends for a format (ClickHouse's IOutputFormat::getContentType). */
export function contentTypeOf(format: string): string {
  const f = format.toLowerCase();
  if (f === 'ndjson' || f === 'jsonlines' || (f.startsWith('json') && f.includes('eachrow'))) return 'application/x-ndjson; charset=UTF-8';
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f.startsWith('tabseparated') || f.startsWith('tsv')) return 'text/tab-separated-values; charset=UTF-8';
  if (f.startsWith('csv')) return `text/csv; charset=UTF-8; header=${f.includes('withnames') ? 'present' : 'absent'}`;
  if (f === 'xml') return 'application/xml; charset=UTF-8';
  if (/^(native|rowbinary|parquet|arrow|orc|avro|msgpack|protobuf|capnproto|bsoneachrow|npy)/.test(f)) {
    return 'application/octet-stream';
  }
  return 'text/plain; charset=UTF-8';
}

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** Credentials the way a server reads them: headers, then basic auth, then URL parameters; else `default`. */
export function credentialsOf(req: IncomingMessage, params: URLSearchParams): Credentials {
  const headerUser = req.headers['x-clickhouse-user'];
  if (typeof headerUser === 'string') {
    const key = req.headers['x-clickhouse-key'];
    return { user: headerUser, password: typeof key === 'string' ? key : '' };
  }
  const authorization = req.headers.authorization;
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? { user: decoded, password: '' } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { user: params.get('user') ?? 'default', password: params.get('password') ?? '' };
}
