// `shadow topics ensure|check`: the system's topics (exchanges, results, side effects, dead letter,
// control) through @shadow/contracts' provisioning, the same code a tap uses to create its own.
import type { TopicsOptions, TopicsReport, TopicRole } from '@shadow/contracts';
import { ALL_TOPIC_ROLES, checkTopics, DEFAULT_PARTITIONS, ensureTopics } from '@shadow/contracts';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { CliIo } from '../io.js';
import { CliError, EXIT } from '../io.js';
import { kafkaFor, resolveBrokers } from '../kafka-connection.js';
import { integerIn, topicPrefix } from '../options.js';

interface TopicsFlags {
  brokers?: string;
  topicPrefix?: string;
  /** `--prefix`, the first spelling of --topic-prefix. */
  prefix?: string;
  partitions?: number;
  replicationFactor?: number;
  retentionMs?: number;
  role?: TopicRole[];
  timeoutMs: number;
  json?: boolean;
}

function print(report: TopicsReport, flags: TopicsFlags, io: CliIo): void {
  if (flags.json === true) {
    io.out(JSON.stringify(report, null, 2));
  } else {
    for (const t of report.topics) {
      const shape =
        t.partitions === null
          ? ''
          : ` partitions=${t.partitions} replication=${t.replicationFactor ?? '?'}${t.role === 'control' ? ` cleanup.policy=${t.cleanupPolicy ?? '?'}` : ''}`;
      io.out(`${t.action.padEnd(8)} ${t.name} (${t.role})${shape}`);
    }
  }
  for (const problem of report.problems) io.err(`problem: ${problem}`);
  io.out(report.ok ? 'topics ok' : `${report.problems.length} problem(s)`);
}

async function run(kind: 'ensure' | 'check', flags: TopicsFlags, io: CliIo): Promise<number> {
  const source = resolveBrokers(flags.brokers, io);
  io.err(`kafka: ${source.brokers.join(',')} (from ${source.from})`);
  const options: TopicsOptions = { prefix: flags.topicPrefix ?? flags.prefix ?? '', timeoutMs: flags.timeoutMs };
  if (flags.partitions !== undefined) options.partitions = flags.partitions;
  if (flags.replicationFactor !== undefined) options.replicationFactor = flags.replicationFactor;
  if (flags.retentionMs !== undefined) options.retentionMs = flags.retentionMs;
  if (flags.role !== undefined) options.roles = flags.role;
  const kafka = kafkaFor(source, flags.timeoutMs);
  let report: TopicsReport;
  try {
    report = kind === 'ensure' ? await ensureTopics(kafka, options) : await checkTopics(kafka, options);
  } catch (error) {
    throw new CliError(`topics ${kind}: ${error instanceof Error ? error.message : String(error)}`, EXIT.problems);
  }
  print(report, flags, io);
  return report.ok ? EXIT.ok : EXIT.problems;
}

function withTopicOptions(command: Command): Command {
  return (
    command
      .option('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port] (default: $KAFKA_BROKERS, else the local stack)')
      .option('--topic-prefix <prefix>', 'prefix of every topic name, used verbatim (e.g. "tenant-a."), as every other command names it', topicPrefix)
      // The first spelling, kept working and out of help.
      .addOption(new Option('--prefix <prefix>').argParser(topicPrefix).hideHelp())
      .option(
        '--partitions <n>',
        `partitions of the topics joined by exchange id and of the dead-letter topic (default: ${DEFAULT_PARTITIONS}, or the count existing joined topics share)`,
        integerIn(1, 10_000),
      )
      .option('--replication-factor <n>', "replication factor of created topics; check also reports others (default: the broker's)", integerIn(1, 32))
      .option('--retention-ms <ms>', "retention.ms of created data topics (default: the broker's)", integerIn(1, Number.MAX_SAFE_INTEGER))
      .addOption(new Option('--role <role...>', 'only these topics (default: all)').choices([...ALL_TOPIC_ROLES]))
      .option('--timeout-ms <ms>', 'bound on each Kafka admin call', integerIn(100, 600_000), 30_000)
      .option('--json', 'print the report as JSON')
  );
}

/** Adds `topics ensure` and `topics check` to the program. */
export function registerTopicsCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const topics = program.command('topics').description('create or check the Kafka topics of the shadow system');
  withTopicOptions(topics.command('ensure'))
    .description('create the missing topics (idempotent; existing topics are never altered) and report; exit 1 if any problem remains')
    .action(async (flags: TopicsFlags) => setExitCode(await run('ensure', flags, io)));
  withTopicOptions(topics.command('check'))
    .description('report missing topics, a partition count differing among joined topics, a control topic that is not compacted; exit 1 if any')
    .action(async (flags: TopicsFlags) => setExitCode(await run('check', flags, io)));
}
