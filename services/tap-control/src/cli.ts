// Operator side of the kill switch. Writes the desired mirroring state for one service, or `*` for
// every tap, to the compacted control topic; every tap (embedded or proxy) applies it within seconds.
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { topicNames } from '@shadow/contracts';
import { clearMirroring, setMirroring } from '@shadow/tap';

export const USAGE = `usage: shadow-tap-control pause|resume|clear --service <name|*> [--reason "..."] [--brokers host:port,...] [--topic-prefix p]

  pause    stop mirroring for the service (or every tap with --service '*'); --reason is required
  resume   mark the service (or '*') active again; --reason is required
  clear    remove the service's entry; the remaining entries decide

Brokers come from --brokers or KAFKA_BROKERS. A pause anywhere wins: resuming '*' does not lift a
pause set for one service; clear or resume that service too.

The shadow CLI does the same: shadow pause|resume [--clear] (docs/cli.md).`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ControlCommand {
  action: 'pause' | 'resume' | 'clear';
  service: string;
  reason: string | undefined;
  brokers: string[];
  topic: string;
}

export function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): ControlCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        service: { type: 'string' },
        reason: { type: 'string' },
        brokers: { type: 'string' },
        'topic-prefix': { type: 'string', default: '' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [action, ...extra] = parsed.positionals;
  if (action !== 'pause' && action !== 'resume' && action !== 'clear') {
    throw new UsageError(`the command must be pause, resume or clear, got ${action === undefined ? 'nothing' : JSON.stringify(action)}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const service = parsed.values.service;
  if (service === undefined || service.trim() === '') throw new UsageError('--service is required (a service name, or "*" for every tap)');
  const reason = parsed.values.reason;
  if (action !== 'clear' && (reason === undefined || reason.trim() === '')) {
    throw new UsageError(`--reason is required for ${action}: it is what the next person on call reads`);
  }
  const brokerList = parsed.values.brokers ?? env.KAFKA_BROKERS ?? '';
  const brokers = brokerList
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw new UsageError('no brokers: pass --brokers host:port or set KAFKA_BROKERS');
  const bad = brokers.find((b) => !/^[^:\s]+:\d+$/.test(b));
  if (bad !== undefined) throw new UsageError(`--brokers: each broker must be host:port, got ${JSON.stringify(bad)}`);
  let topic: string;
  try {
    topic = topicNames(parsed.values['topic-prefix']).control;
  } catch (err) {
    throw new UsageError(`--topic-prefix: ${(err as Error).message}`);
  }
  return { action, service, reason, brokers, topic };
}

/** Runs one command; returns the line to print. */
export async function runCommand(command: ControlCommand): Promise<string> {
  const kafka = new Kafka({ clientId: 'shadow-tap-control', brokers: command.brokers, logLevel: logLevel.ERROR });
  if (command.action === 'clear') {
    await clearMirroring(kafka, { service: command.service, topic: command.topic });
    return `cleared mirroring entry for ${command.service} on ${command.topic}`;
  }
  const message = await setMirroring(kafka, {
    service: command.service,
    state: command.action === 'pause' ? 'paused' : 'active',
    reason: command.reason as string,
    topic: command.topic,
  });
  return `mirroring ${message.mirroring} for ${command.service} on ${command.topic} (by ${message.by} at ${message.at}: ${message.reason})`;
}
