// Maps what undici / Node report for a failed challenger request to ShadowResult.errorKind.
// Contract kinds (SHADOW_ERROR_KINDS) where one fits; the vocabulary is open, and the replayer adds
// `protocol_error` (the challenger answered bytes that are not HTTP), `body_too_large` (answer cut at
// maxResponseBytes) and `request_incomplete` (the tap truncated the captured request body, so it was
// not replayed). docs/replayer.md lists them.

export const REPLAY_ERROR_KINDS = [
  'timeout',
  'connection_refused',
  'connection_reset',
  'tls',
  'protocol_error',
  'body_too_large',
  'request_incomplete',
  'replay_error',
] as const;
export type ReplayErrorKind = (typeof REPLAY_ERROR_KINDS)[number];

function codeOf(error: unknown): string {
  if (typeof error !== 'object' || error === null) return '';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

export function errorKindOf(error: unknown, timedOut: boolean): ReplayErrorKind {
  if (timedOut) return 'timeout';
  // undici wraps socket errors; look through the cause chain.
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e !== undefined && e !== null; depth++) {
    const code = codeOf(e);
    const name = e instanceof Error ? e.name : '';
    const message = e instanceof Error ? e.message : '';
    if (code === 'ECONNREFUSED') return 'connection_refused';
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'timeout';
    if (code.startsWith('HPE_') || name === 'HTTPParserError' || code === 'UND_ERR_INFO' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH')
      return 'protocol_error';
    if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|certificate/i.test(code) || /ssl|tls/i.test(code)) return 'tls';
    if (
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'UND_ERR_SOCKET' ||
      code === 'UND_ERR_CLOSED' ||
      /other side closed|socket hang up/i.test(message)
    )
      return 'connection_reset';
    e = (e as { cause?: unknown }).cause;
  }
  return 'replay_error';
}
