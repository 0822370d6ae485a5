// The sandbox factory the service uses: @shadow/sandbox's createSandbox with the config file's
// `sandbox` section (validated with the rest of the configuration, config.ts). The challengers are
// the replayer's; `sandbox.challengers` only fixes their ports, so a challenger can be started
// pointing at a known address before the replayer is (there is no other moment for `shadow replay`).
// Port 0 or no entry: any free port. Each challenger's addresses are logged once the sandbox listens.
import { createSandbox, isSandboxError, SandboxError } from '@shadow/sandbox';
import type { SandboxOptions } from '@shadow/sandbox';
import type { SandboxFactory } from '../replayer.js';
import { formatSandboxAddress, sandboxAddresses } from './sandbox-addresses.js';

interface ConfiguredPorts {
  readonly index: number;
  readonly httpPort?: number;
  readonly smtpPort?: number;
}

/** `sandbox.challengers` (validated by config.ts): id -> the ports it sets and where. */
function configuredPorts(value: unknown): Map<string, ConfiguredPorts> {
  const out = new Map<string, ConfiguredPorts>();
  if (!Array.isArray(value)) return out;
  value.forEach((entry: unknown, index) => {
    if (typeof entry === 'string') out.set(entry, { index });
    else if (typeof entry === 'object' && entry !== null) {
      const { id, httpPort, smtpPort } = entry as { id: string; httpPort?: number; smtpPort?: number };
      out.set(id, { index, ...(httpPort === undefined ? {} : { httpPort }), ...(smtpPort === undefined ? {} : { smtpPort }) });
    }
  });
  return out;
}

export const createServiceSandbox: SandboxFactory = async ({ challengers, onSideEffect, config, logger }) => {
  const { challengers: configured, ...options } = config as Partial<SandboxOptions> & { challengers?: unknown };
  const ports = configuredPorts(configured);
  const list = challengers.map((id) => {
    const p = ports.get(id);
    return { id, ...(p?.httpPort === undefined ? {} : { httpPort: p.httpPort }), ...(p?.smtpPort === undefined ? {} : { smtpPort: p.smtpPort }) };
  });
  const sandbox = createSandbox({ ...options, challengers: list, onSideEffect, logger });
  try {
    await sandbox.start();
  } catch (error) {
    throw inConfigTerms(error, challengers, ports);
  }
  const addresses = sandboxAddresses(sandbox, challengers, Object.keys(options.dependencies ?? {}));
  for (const a of addresses) logger.info({ ...a }, `sandbox: ${formatSandboxAddress(a)}`);
  return sandbox;
};

/** A listener that could not bind names the replayer's config field (`sandbox.challengers[1].httpPort`), not the sandbox's. */
function inConfigTerms(error: unknown, challengers: readonly string[], ports: ReadonlyMap<string, ConfiguredPorts>): unknown {
  if (!isSandboxError(error) || error.code !== 'SANDBOX_LISTEN_FAILED' || error.problems.length === 0) return error;
  const problems = error.problems.map((p) => {
    const m = /^challengers\[(\d+)\]\.(httpPort|smtpPort)$/.exec(p.field);
    const id = m === null ? undefined : challengers[Number(m[1])];
    const at = id === undefined ? undefined : ports.get(id);
    return { field: m !== null && at !== undefined ? `sandbox.challengers[${at.index}].${m[2]}` : `sandbox.${p.field}`, message: p.message };
  });
  return new SandboxError('SANDBOX_LISTEN_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { cause: error, problems });
}
