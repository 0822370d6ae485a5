import { describe, expect, it } from 'vitest';
import { replayWindow } from '../historical/replay-window.js';
import type { ReplayWindowOptions } from '../historical/options.js';
import { LiveShadow } from './live-shadow.js';
import type { LiveShadowOptions } from './options.js';

// One prefix rule (@shadow/contracts topicPrefixProblem) where the replay engine takes its options.
describe('replay options: topicPrefix', () => {
  it.each(['a/b', 'a b', 'a:b', 'x'.repeat(225)])('refuses %j naming topicPrefix, live and historical', async (prefix) => {
    expect(() => new LiveShadow({ topicPrefix: prefix, challengers: [{ id: 'c', baseUrl: 'http://127.0.0.1:1' }] } as unknown as LiveShadowOptions)).toThrow(
      expect.objectContaining({ code: 'REPLAY_INVALID_OPTION', message: expect.stringContaining('topicPrefix') }),
    );
    await expect(replayWindow({ topicPrefix: prefix, fromMs: 0, toMs: 1 } as unknown as ReplayWindowOptions)).rejects.toMatchObject({
      code: 'REPLAY_INVALID_OPTION',
      message: expect.stringContaining('topicPrefix'),
    });
  });
});
