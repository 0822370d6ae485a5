// The sandbox factory the service uses: @shadow/sandbox's createSandbox with the config file's
// `sandbox` section (its own option validation names any bad field).
import { createSandbox } from '@shadow/sandbox';
import type { SandboxOptions } from '@shadow/sandbox';
import type { SandboxFactory } from '../replayer.js';

export const createServiceSandbox: SandboxFactory = async ({ challengers, onSideEffect, config, logger }) => {
  const sandbox = createSandbox({ ...(config as Partial<SandboxOptions>), challengers, onSideEffect, logger });
  await sandbox.start();
  return sandbox;
};
