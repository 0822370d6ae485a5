import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPLAY_ERROR_KINDS } from './challenger/error-kind.js';
import { REPLAY_ERROR_CODES, ReplayError, toReplayError } from './errors.js';

const doc = readFileSync(new URL('../../../docs/replayer.md', import.meta.url), 'utf8');

describe('errors', () => {
  it('docs/replayer.md documents every error code and every errorKind', () => {
    expect(REPLAY_ERROR_CODES.filter((code) => new RegExp(`^\\|\\s*\`${code}\``, 'm').test(doc))).toEqual([...REPLAY_ERROR_CODES]);
    expect(REPLAY_ERROR_KINDS.filter((kind) => new RegExp(`^\\|\\s*\`${kind}\``, 'm').test(doc))).toEqual([...REPLAY_ERROR_KINDS]);
  });

  it('converts foreign errors at the boundary', () => {
    const own = new ReplayError('REPLAY_CLOSED', 'x');
    expect(toReplayError(own)).toBe(own);
    const kafka = Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError' });
    expect(toReplayError(kafka)).toMatchObject({ code: 'REPLAY_TOPIC_MISSING', retriable: false, cause: kafka });
    expect(toReplayError(Object.assign(new Error('broker down'), { name: 'KafkaJSConnectionError' }))).toMatchObject({
      code: 'REPLAY_KAFKA_FAILED',
      retriable: true,
    });
    expect(toReplayError(Object.assign(new Error('down'), { code: 'CONTRACTS_REGISTRY_UNAVAILABLE' }))).toMatchObject({
      code: 'REPLAY_REGISTRY_UNAVAILABLE',
      retriable: true,
    });
    expect(toReplayError('??')).toMatchObject({ code: 'REPLAY_UNKNOWN' });
  });
});
