export { startReplayer, challengerOptions } from './replayer.js';
export type { Replayer, RunningSandbox, SandboxFactory } from './replayer.js';
export { loadConfig, ConfigError, configSchema, challengerSchema, ENV_OVERRIDES } from './config/config.js';
export type { ReplayerConfig, ChallengerConfig } from './config/config.js';
export { runReplayCommand, formatSummary, REPLAY_USAGE } from './commands/replay-command.js';
export type { ReplayCommandIo } from './commands/replay-command.js';
export { sandboxHooks, recordedCallsOf } from './sandbox/sandbox-hooks.js';
export type { SandboxPort, RecordedCallShape } from './sandbox/sandbox-hooks.js';
export { createServiceSandbox } from './sandbox/create-sandbox.js';
