// `shadow pause|resume`: the kill switch (it replaced shadow-tap-control), and `shadow sample
// set|clear`: the sampling rate per service on the same topic. Writes the desired
// mirroring state for one service, or `*` for every tap and replayer, to the compacted control topic
// through @shadow/tap's setMirroring/clearMirroring; every tap
// applies it within seconds, and replayers obey `*` and their own keys (`shadow-replayer`).
// @shadow/tap is imported inside the handler: `stack up` runs `shadow topics ensure` through this
// program and must not pay for loading the tap.
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { kafkaFor, resolveBrokers } from '../kafka-connection.js';
import { integerIn, topicPrefix } from '../options.js';

interface ControlFlags {
  service: string;
  reason?: string;
  by?: string;
  clear?: boolean;
  brokers?: string;
  topicPrefix: string;
  timeoutMs: number;
}

function nonBlank(what: string): (value: string) => string {
  return (value) => {
    if (value.trim() === '') throw new InvalidArgumentError(`${what} must not be blank.`);
    return value;
  };
}

async function run(action: 'pause' | 'resume', flags: ControlFlags, io: CliIo): Promise<number> {
  const clear = action === 'resume' && flags.clear === true;
  if (!clear && (flags.reason === undefined || flags.reason.trim() === '')) {
    throw new CliError(`${action}: --reason is required: it is what the next person on call reads`, EXIT.usage);
  }
  const source = resolveBrokers(flags.brokers, io);
  io.err(`kafka: ${source.brokers.join(',')} (from ${source.from})`);
  const [{ topicNames }, { clearMirroring, setMirroring }] = await Promise.all([import('@shadow/contracts'), import('@shadow/tap')]);
  const topic = topicNames(flags.topicPrefix).control;
  const kafka = kafkaFor(source, flags.timeoutMs);
  try {
    if (clear) {
      await clearMirroring(kafka, { service: flags.service, topic });
      io.out(`cleared mirroring entry for ${flags.service} on ${topic} (the remaining entries decide)`);
      return EXIT.ok;
    }
    const message = await setMirroring(kafka, {
      service: flags.service,
      state: action === 'pause' ? 'paused' : 'active',
      reason: flags.reason as string,
      by: flags.by,
      topic,
    });
    io.out(`mirroring ${message.mirroring} for ${flags.service} on ${topic} (by ${message.by} at ${message.at}: ${message.reason})`);
    return EXIT.ok;
  } catch (error) {
    throw new CliError(`${action}: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  }
}

function withControlOptions(command: Command): Command {
  return command
    .requiredOption(
      '--service <name>',
      'the service whose mirroring to set, "*" for every tap and replayer, "shadow-replayer" for replayers only',
      nonBlank('--service'),
    )
    .option('--by <who>', "who is acting, shown in every tap's log (default: <user>@<hostname>)", nonBlank('--by'))
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port] (default: $KAFKA_BROKERS, else the local stack)')
    .option('--topic-prefix <prefix>', 'prefix of the control topic name (as given to the taps), e.g. "staging."', topicPrefix, '')
    .option('--timeout-ms <ms>', 'bound on each Kafka call', integerIn(100, 600_000), 30_000);
}

/** Adds `pause` and `resume` (the kill switch) to the program. */
export function registerControlCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  withControlOptions(program.command('pause'))
    .description('stop mirroring (kill switch): taps stop capturing and replayers stop dispatching for --service, within seconds')
    .requiredOption('--reason <text>', "why; required, shown in every tap's log", nonBlank('--reason'))
    .addHelpText(
      'after',
      `
Examples:
  shadow pause --service '*' --reason "incident 42"           every tap and replayer
  shadow pause --service checkout --reason "load test"        the taps of one service
  shadow pause --service shadow-replayer --reason "slow rc"   replayers only

A pause anywhere wins: resuming '*' does not lift a pause set for one service.`,
    )
    .action(async (flags: ControlFlags) => setExitCode(await run('pause', flags, io)));
  withControlOptions(program.command('resume'))
    .description('mark --service active again (or, with --clear, remove its entry so the remaining entries decide)')
    .option('--reason <text>', 'why; required unless --clear', nonBlank('--reason'))
    .option('--clear', 'remove the service\'s entry instead of writing "active" (what tap-control called clear)')
    .addHelpText(
      'after',
      `
Examples:
  shadow resume --service '*' --reason "incident 42 over"
  shadow resume --service checkout --clear`,
    )
    .action(async (flags: ControlFlags) => setExitCode(await run('resume', flags, io)));
}

interface SampleFlags {
  service: string;
  rate?: number;
  reason?: string;
  by?: string;
  brokers?: string;
  topicPrefix: string;
  timeoutMs: number;
}

/** The CLI's service-name rule (as `shadow status --service`): a name or `*`; no `:` (a record kind's separator). */
export function sampleServiceName(value: string): string {
  if (!/^(\*|[A-Za-z0-9._-]{1,128})$/.test(value)) throw new InvalidArgumentError('a service name is 1-128 ASCII letters, digits, ".", "_" or "-" (or "*").');
  return value;
}

/** A sampling rate: a decimal number in [0, 1] (no exponent, no hex, no blank). */
export function samplingRate(value: string): number {
  const rate = /^(0(\.\d+)?|\.\d+|1(\.0+)?)$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new InvalidArgumentError('expected a number in [0, 1], e.g. 0.1.');
  return rate;
}

async function sample(action: 'set' | 'clear', flags: SampleFlags, io: CliIo): Promise<number> {
  const source = resolveBrokers(flags.brokers, io);
  io.err(`kafka: ${source.brokers.join(',')} (from ${source.from})`);
  const [{ topicNames }, { clearSamplingRate, setSamplingRate }] = await Promise.all([import('@shadow/contracts'), import('@shadow/tap')]);
  const topic = topicNames(flags.topicPrefix).control;
  const kafka = kafkaFor(source, flags.timeoutMs);
  try {
    if (action === 'clear') {
      await clearSamplingRate(kafka, { service: flags.service, topic });
      io.out(
        `cleared sampling entry for ${flags.service} on ${topic} (${flags.service === '*' ? 'services without their own entry' : 'its taps and replayers'} return to their configured rate)`,
      );
      return EXIT.ok;
    }
    const message = await setSamplingRate(kafka, { service: flags.service, rate: flags.rate as number, reason: flags.reason as string, by: flags.by, topic });
    io.out(`sampling rate ${message.sampling.rate} for ${flags.service} on ${topic} (by ${message.by} at ${message.at}: ${message.reason})`);
    return EXIT.ok;
  } catch (error) {
    throw new CliError(`sample ${action}: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  }
}

function withSampleOptions(command: Command): Command {
  return command
    .requiredOption(
      '--service <name>',
      'the service (its taps and the replayers replaying it), or "*" for every service without its own entry',
      sampleServiceName,
    )
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port] (default: $KAFKA_BROKERS, else the local stack)')
    .option('--topic-prefix <prefix>', 'prefix of the control topic name (as given to the taps), e.g. "staging."', topicPrefix, '')
    .option('--timeout-ms <ms>', 'bound on each Kafka call', integerIn(100, 600_000), 30_000);
}

/** Adds `sample set` and `sample clear` (the sampling rate on the control topic) to the program. */
export function registerSampleCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const group = program
    .command('sample')
    .description('set or clear the sampling rate of a service on the control topic (taps and replayers apply it within seconds)');
  withSampleOptions(group.command('set'))
    .description("replace --service's configured sampling rate with --rate until cleared")
    .requiredOption('--rate <rate>', 'fraction of live traffic to mirror, in [0, 1]', samplingRate)
    .requiredOption('--reason <text>', "why; required, shown in every tap's log", nonBlank('--reason'))
    .option('--by <who>', "who is acting, shown in every tap's log (default: <user>@<hostname>)", nonBlank('--by'))
    .addHelpText(
      'after',
      `
Examples:
  shadow sample set --service pricing --rate 0.01 --reason "start small"
  shadow sample set --service '*' --rate 0.1 --reason "fleet default"

The service's own entry wins over '*'. The same exchanges stay in as the rate grows (consistent
hash). A ramp in the joiner's watch section writes these entries too (docs/watch.md).`,
    )
    .action(async (flags: SampleFlags) => setExitCode(await sample('set', flags, io)));
  withSampleOptions(group.command('clear'))
    .description("remove --service's entry: its taps and replayers return to their configured rate (or to '*')")
    .addHelpText(
      'after',
      `
Examples:
  shadow sample clear --service pricing`,
    )
    .action(async (flags: SampleFlags) => setExitCode(await sample('clear', flags, io)));
}
