// `replay`: a one-off historical replay (the lead exposes it as `shadow replay`).
//
//   node dist/main.js replay --from 2026-11-29T10:00:00Z --to 2026-11-29T11:00:00Z \
//     [--challenger id=url[,role=secondary][,rate=50][,concurrency=8]]... [--speed 1x|10x|max] \
//     [--sample-rate 0.1] [--ordering none|all|header:x-session] [--run-id ID] [--topic T] [--json]
//
// Kafka, registry and (when no --challenger is given) the challengers come from the same config as
// the service (REPLAYER_CONFIG file + env). SIGINT/SIGTERM interrupt: the in-flight work is finished
// and committed and the command prints how to resume (same --run-id).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { createSchemaRegistry } from '@shadow/contracts';
import { parseInstant, parseOrdering, parseSpeed, replayWindow } from '@shadow/replay';
import type { ReplayLogger, ReplaySummary, ReplayWindowProgress } from '@shadow/replay';
import { ConfigError, loadConfig } from '../config/config.js';
import { challengerOptions, kafkaFor } from '../replayer.js';
import type { SandboxFactory } from '../replayer.js';
import { sandboxHooks } from '../sandbox/sandbox-hooks.js';
import { formatSandboxAddress, sandboxAddresses } from '../sandbox/sandbox-addresses.js';
import type { SideEffect } from '@shadow/contracts';

export const REPLAY_USAGE = `usage: replay --from <time> --to <time> [--challenger id=url[,role=secondary][,rate=N][,concurrency=N][,timeout=ms][,host=original]]...
              [--speed max|1x|Nx] [--sample-rate 0..1] [--ordering none|all|header:<name>] [--run-id ID] [--topic T] [--json]`;

function parseChallenger(text: string): Record<string, unknown> {
  const [head, ...rest] = text.split(',');
  const eq = (head ?? '').indexOf('=');
  if (eq <= 0) throw new ConfigError([`--challenger: expected id=url[,role=...], got ${JSON.stringify(text)}`]);
  const out: Record<string, unknown> = { id: head?.slice(0, eq), baseUrl: head?.slice(eq + 1) };
  for (const part of rest) {
    const [k, v = ''] = part.split('=');
    if (k === 'role' || k === 'name') out[k] = v;
    else if (k === 'rate') out.maxRatePerSecond = Number(v);
    else if (k === 'concurrency') out.maxConcurrency = Number(v);
    else if (k === 'timeout') out.timeoutMs = Number(v);
    else if (k === 'host') out.host = v;
    else throw new ConfigError([`--challenger: unknown attribute ${JSON.stringify(k)} in ${JSON.stringify(text)} (accepted: role, name, rate, concurrency, timeout, host)`]);
  }
  return out;
}

export interface ReplayCommandIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  logger: ReplayLogger;
  sandboxFactory?: SandboxFactory | undefined;
}

export function formatSummary(s: ReplaySummary): string {
  const failed = Object.entries(s.failed).map(([k, n]) => `${k}=${n}`).join(' ') || 'none';
  const lines = [
    `run ${s.runId} ${s.completed ? 'completed' : 'INTERRUPTED (resume with --run-id ' + s.runId + ')'}${s.resumed ? ' (resumed)' : ''}`,
    `  window     ${new Date(s.fromMs).toISOString()} .. ${new Date(s.toMs).toISOString()} on ${s.topic}`,
    `  exchanges  ${s.exchanges} replayed, ${s.outsideWindow} outside the window, ${s.sampledOut} sampled out, ${s.deadLettered} dead-lettered`,
    `  requests   ${s.sent} sent, ${s.succeeded} succeeded, failed: ${failed}`,
    ...s.perChallenger.map((c) => `    ${c.id} (${c.role}): sent ${c.sent}, ok ${c.succeeded}, errors ${Object.values(c.failed).reduce((a, b) => a + b, 0)}`),
    `  duration   ${(s.durationMs / 1000).toFixed(1)} s, ${s.achievedRatePerSecond} req/s`,
    // The joiner pairs the run whenever it reads it (docs/joiner.md "Runs"): a CI job waits, it does not sleep.
    `  pairs      the joiner lands them; wait until every result of the run landed: shadow report --run-id ${s.runId} --wait`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Runs the command; returns the exit code (0 completed, 1 failed, 2 usage/config, 130 interrupted). */
export async function runReplayCommand(argv: string[], io: ReplayCommandIo): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        from: { type: 'string' }, to: { type: 'string' }, challenger: { type: 'string', multiple: true }, speed: { type: 'string', default: 'max' },
        'sample-rate': { type: 'string' }, ordering: { type: 'string' }, 'run-id': { type: 'string' }, topic: { type: 'string' }, json: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    io.stdout.write(`${(err as Error).message}\n${REPLAY_USAGE}\n`);
    return 2;
  }
  const problems: string[] = [];
  const attempt = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (err) {
      problems.push(err instanceof ConfigError ? err.problems.join('\n  ') : (err as Error).message);
      return undefined;
    }
  };
  if (values.from === undefined) problems.push('--from is required');
  if (values.to === undefined) problems.push('--to is required');
  // <time>: a duration back from now (2h), ISO-8601 with a zone, epoch s (10 digits) or ms (13).
  const now = Date.now();
  const fromMs = values.from === undefined ? undefined : attempt(() => parseInstant('--from', values.from as string, now));
  const toMs = values.to === undefined ? undefined : attempt(() => parseInstant('--to', values.to as string, now));
  if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) problems.push('--from must be before --to');
  const speed = attempt(() => parseSpeed(values.speed as string));
  const ordering = values.ordering === undefined ? { mode: 'none' as const } : parseOrdering(values.ordering as string);
  if (ordering === null) problems.push(`--ordering must be none, all or header:<name>, got ${JSON.stringify(values.ordering)}`);
  const sampleRate = values['sample-rate'] === undefined ? undefined : Number(values['sample-rate']);
  if (sampleRate !== undefined && !(sampleRate >= 0 && sampleRate <= 1)) problems.push(`--sample-rate must be a number in [0, 1], got ${JSON.stringify(values['sample-rate'])}`);
  const cli = ((values.challenger as string[] | undefined) ?? []).map((t) => attempt(() => parseChallenger(t))).filter((c) => c !== undefined);
  const config = attempt(() => loadConfig(cli.length > 0 ? { ...io.env, REPLAYER_CHALLENGERS: JSON.stringify(cli) } : io.env));
  if (problems.length > 0 || config === undefined || fromMs === undefined || toMs === undefined || speed === undefined || ordering === null) {
    io.stdout.write(`invalid replay arguments:\n  ${problems.join('\n  ')}\n${REPLAY_USAGE}\n`);
    return 2;
  }

  const runId = (values['run-id'] as string | undefined) ?? `replay-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const controller = new AbortController();
  const interrupt = (): void => {
    if (!controller.signal.aborted) io.logger.info({ runId }, 'interrupt: finishing the requests in flight and committing progress');
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  const tty = io.stdout.isTTY === true && values.json !== true;
  const bar = tty ? new SingleBar({ format: 'replay {bar} {percentage}% | {value}/{total} records | {sent} sent | {eta_formatted} left', stream: io.stdout as NodeJS.WritableStream }, Presets.shades_classic) : null;
  let started = false;
  const onProgress = (p: ReplayWindowProgress): void => {
    if (bar !== null) {
      if (!started) {
        bar.start(p.total, 0, { sent: 0 });
        started = true;
      }
      bar.update(p.handled, { sent: p.sent });
    } else {
      io.logger.info({ runId: p.runId, handled: p.handled, total: p.total, sent: p.sent, elapsedMs: p.elapsedMs }, 'replay progress');
    }
  };

  const kafka = kafkaFor(config);
  const effects: SideEffect[] = [];
  let sandbox: Awaited<ReturnType<SandboxFactory>> | null = null;
  try {
    if (config.sandbox !== undefined && config.sandbox.enabled !== false && io.sandboxFactory !== undefined) {
      const { enabled: _enabled, ...sandboxConfig } = config.sandbox;
      sandbox = await io.sandboxFactory({ challengers: config.challengers.map((c) => c.id), onSideEffect: (e) => effects.push(e), config: sandboxConfig, logger: io.logger });
      if (values.json !== true) {
        const dependencies = Object.keys((sandboxConfig.dependencies ?? {}) as object);
        for (const a of sandboxAddresses(sandbox, config.challengers.map((c) => c.id), dependencies)) io.stdout.write(`sandbox: ${formatSandboxAddress(a)}\n`);
      }
    }
    const summary = await replayWindow({
      kafka,
      registry: createSchemaRegistry({ url: config.schemaRegistry.url, clientId: config.kafka.clientId }),
      topicPrefix: config.topicPrefix,
      ...(values.topic === undefined ? {} : { topic: values.topic as string }),
      fromMs,
      toMs,
      runId,
      challengers: challengerOptions(config.challengers),
      speed,
      ordering,
      sampling: sampleRate === undefined ? config.sampling : { ...config.sampling, rate: sampleRate },
      hooks: sandbox === null ? undefined : sandboxHooks(sandbox),
      takeSandboxEffects: () => effects.splice(0),
      signal: controller.signal,
      onProgress,
      progressEveryMs: tty ? 200 : 5_000,
      logger: io.logger,
    });
    bar?.stop();
    io.stdout.write(values.json === true ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    return summary.completed ? 0 : 130;
  } catch (err) {
    bar?.stop();
    io.stdout.write(`replay failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await sandbox?.close();
  }
}
