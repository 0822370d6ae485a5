// `shadow status`: is the pipeline moving? Three sources, each optional so one that is down does not
// hide the others (its section says why):
//   - the kill switch and the sampling rates: every entry of the control topic and what it means
//     per service, read by @shadow/tap's readControlEntries (the watcher every tap runs);
//   - consumer lag per group (the replayer's, the joiner's and its labels group by default, --group
//     for others): committed offsets (admin fetchOffsets) against the topics' end offsets, and
//     whether the group has members;
//   - ClickHouse: when the latest pair landed per challenger (the explore store's challengers), and
//     the replay runs not landed yet (summarizeRun).
import type { ClickHouse } from '@shadow/clickhouse';
import { formatRunSummary, summarizeRun } from '@shadow/clickhouse';
import type { RunSummary } from '@shadow/clickhouse';
import { createClickHouseExploreStore } from '@shadow/analysis';
import type { ChallengerSummary } from '@shadow/analysis';
import { topicNames } from '@shadow/contracts';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import type { CliIo } from '../io.js';
import { EXIT } from '../io.js';
import { kafkaFor, resolveBrokers } from '../kafka-connection.js';
import { integerIn, timeFlag } from '../options.js';
import type { ConnectionFlags } from './clickhouse-flags.js';
import { clickhouseFailure, CONNECTION_HELP, debugMode, openClickHouse, resolveConnection, withConnectionOptions } from './clickhouse-flags.js';
import { colorsFor } from './show.js';

const FORMATS = ['text', 'json'] as const;
/** The services' default consumer groups (REPLAYER_GROUP_ID, JOINER_GROUP_ID, JOINER_LABELS_GROUP_ID). */
export const DEFAULT_GROUPS = ['shadow-replayer', 'shadow-joiner', 'shadow-joiner-labels'] as const;

interface StatusFlags extends ConnectionFlags {
  service?: string[];
  group?: string[];
  topicPrefix: string;
  brokers?: string;
  since: number;
  format: (typeof FORMATS)[number];
  timeoutMs: number;
}

interface KillSwitchStatus {
  topic: string;
  entries: { key: string; mirroring: string; reason: string; by: string; at: string }[];
  /** The sampling entries (`sampling:<service>`), by service or `*`. */
  sampling: { service: string; rate: number; reason: string; by: string; at: string }[];
  /** Per service: the kill switch, and the sampling rate from the control topic (`rate` null: the taps' configured rate). */
  services: { service: string; state: string; decidedBy: string | null; sampling: { rate: number | null; source: 'control' | 'config'; key: string | null } }[];
}

interface GroupStatus {
  groupId: string;
  state: string;
  members: number;
  topics: { topic: string; committed: number; end: number; lag: number; partitionsWithoutCommit: number }[];
  lag: number;
}

interface PipelineStatus {
  killSwitch: KillSwitchStatus | { error: string };
  groups: GroupStatus[] | { error: string };
  challengers: (Pick<ChallengerSummary, 'challengerId' | 'role' | 'pairs'> & { lastPairLanded: string; lastCapture: string })[] | { error: string };
  runs: (Pick<RunSummary, 'runId' | 'state' | 'landed' | 'partitions' | 'drainedPartitions'> & { summary: string })[] | { error: string };
}

const message = (error: unknown): string => (error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error));

async function killSwitch(flags: StatusFlags, io: CliIo): Promise<KillSwitchStatus> {
  const source = resolveBrokers(flags.brokers, io);
  const topic = topicNames(flags.topicPrefix).control;
  const { readControlEntries } = await import('@shadow/tap');
  const snapshot = await readControlEntries(kafkaFor(source, flags.timeoutMs), { topic, timeoutMs: flags.timeoutMs });
  const entries = [...snapshot.entries]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, m]) => ({ key, mirroring: m.mirroring, reason: m.reason, by: m.by, at: m.at }));
  const sampling = [...snapshot.sampling]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([service, m]) => ({ service, rate: m.sampling.rate, reason: m.reason, by: m.by, at: m.at }));
  const keys = new Set([...(flags.service ?? []), ...entries.map((e) => e.key), ...sampling.map((e) => e.service)].filter((k) => k !== '*'));
  const services = [...keys].sort().map((service) => {
    const s = snapshot.stateOf(service);
    const rate = snapshot.samplingOf(service);
    return {
      service,
      state: s.state,
      decidedBy: s.key,
      sampling: rate === null ? { rate: null, source: 'config' as const, key: null } : { rate: rate.rate, source: 'control' as const, key: rate.key },
    };
  });
  return { topic, entries, sampling, services };
}

async function groups(flags: StatusFlags, io: CliIo): Promise<GroupStatus[]> {
  const source = resolveBrokers(flags.brokers, io);
  const names = topicNames(flags.topicPrefix);
  const topics = [names.exchanges, names.results, names.sideEffects, names.labels, names.progress].filter((t): t is string => typeof t === 'string');
  const admin = kafkaFor(source, flags.timeoutMs).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    const ends = new Map<string, Map<number, number>>();
    for (const t of present) ends.set(t, new Map((await admin.fetchTopicOffsets(t)).map((o) => [o.partition, Number(o.high)])));
    const ids = flags.group ?? [...DEFAULT_GROUPS];
    const described = new Map((await admin.describeGroups(ids)).groups.map((g) => [g.groupId, g]));
    const out: GroupStatus[] = [];
    for (const groupId of ids) {
      const committed = await admin.fetchOffsets({ groupId, topics: present });
      const perTopic = committed
        .map(({ topic, partitions }) => {
          const end = ends.get(topic) ?? new Map<number, number>();
          const withCommit = partitions.filter((p) => Number(p.offset) >= 0);
          return {
            topic,
            committed: withCommit.reduce((n, p) => n + Number(p.offset), 0),
            end: withCommit.reduce((n, p) => n + (end.get(p.partition) ?? 0), 0),
            lag: withCommit.reduce((n, p) => n + Math.max(0, (end.get(p.partition) ?? 0) - Number(p.offset)), 0),
            partitionsWithoutCommit: partitions.length - withCommit.length,
          };
        })
        .filter((t) => t.partitionsWithoutCommit < (ends.get(t.topic)?.size ?? 0));
      const g = described.get(groupId);
      out.push({ groupId, state: g?.state ?? 'Unknown', members: g?.members.length ?? 0, topics: perTopic, lag: perTopic.reduce((n, t) => n + t.lag, 0) });
    }
    return out;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function fromClickHouse(flags: StatusFlags, io: CliIo, now: number): Promise<Pick<PipelineStatus, 'challengers' | 'runs'>> {
  const debug = debugMode(flags, io);
  let connection: ReturnType<typeof resolveConnection>;
  let ch: ClickHouse;
  try {
    connection = resolveConnection(flags, io);
    ch = await openClickHouse(connection, io, { debug });
  } catch (error) {
    return { challengers: { error: message(error) }, runs: { error: message(error) } };
  }
  try {
    const challengers = await createClickHouseExploreStore(ch)
      .challengers({ window: { fromMs: flags.since, toMs: now + 1 } })
      .then(
        (list) =>
          list.map((c) => ({
            challengerId: c.challengerId,
            role: c.role,
            pairs: c.pairs,
            lastPairLanded: new Date(c.lastJoinedMs).toISOString(),
            lastCapture: new Date(c.lastCaptureMs).toISOString(),
          })),
        (error: unknown) => ({ error: message(clickhouseFailure(error, connection, 'reading the pairs', debug)) }),
      );
    let runs: PipelineStatus['runs'];
    try {
      // The latest runs the joiner recorded (a plain aggregate: the read-only endpoint allows it).
      const rs = await ch.client.query({
        query: 'SELECT run_id, max(produced_time) AS last FROM runs GROUP BY run_id ORDER BY last DESC LIMIT 20',
        format: 'JSONEachRow',
      });
      const ids = (await rs.json<{ run_id: string }>()).map((r) => r.run_id);
      const summaries = await Promise.all(ids.map((id) => summarizeRun(ch.client, id)));
      runs = summaries
        .filter((s, i) => !s.landed || i === 0)
        .map((s) => ({
          runId: s.runId,
          state: s.state,
          landed: s.landed,
          partitions: s.partitions,
          drainedPartitions: s.drainedPartitions,
          summary: formatRunSummary(s).split('\n')[0] ?? '',
        }));
    } catch (error) {
      runs = { error: message(clickhouseFailure(error, connection, 'reading the runs', debug)) };
    }
    return { challengers, runs };
  } finally {
    await ch.close();
  }
}

function renderText(status: PipelineStatus, flags: StatusFlags, io: CliIo): string {
  const c = colorsFor(io);
  const out: string[] = [];
  const failed = (what: string, e: { error: string }): void => {
    out.push(`${c.bold(what)}: ${c.red(`unknown: ${e.error}`)}`);
  };
  const ks = status.killSwitch;
  if ('error' in ks) failed('kill switch', ks);
  else {
    out.push(
      `${c.bold('kill switch')} (${ks.topic}): ${ks.entries.length === 0 ? 'no entries: every tap and replayer mirrors' : `${ks.entries.length} entr${ks.entries.length === 1 ? 'y' : 'ies'}`}`,
    );
    for (const e of ks.entries)
      out.push(`  ${e.key.padEnd(20)} ${(e.mirroring === 'paused' ? c.red : c.green)(e.mirroring.padEnd(7))} by ${e.by} at ${e.at}: ${e.reason}`);
    for (const e of ks.sampling) out.push(`  sampling:${e.service.padEnd(11)} rate ${e.rate} by ${e.by} at ${e.at}: ${e.reason}`);
    for (const s of ks.services) {
      const rate = s.sampling.rate === null ? 'sampling as configured (no entry)' : `sampling ${s.sampling.rate} (control topic, entry ${s.sampling.key})`;
      out.push(
        `  service ${s.service}: ${(s.state === 'paused' ? c.red : c.green)(s.state)}${s.decidedBy === null ? ' (no entry)' : ` (entry ${s.decidedBy})`}, ${rate}`,
      );
    }
  }
  const gs = status.groups;
  if ('error' in gs) failed('consumer lag', gs);
  else {
    out.push(c.bold('consumer lag') + (flags.group === undefined ? " (the services' default groups; --group for others)" : ''));
    for (const g of gs) {
      const running = g.members > 0 ? c.green(`${g.members} member${g.members === 1 ? '' : 's'}`) : c.dim(`no members (${g.state.toLowerCase()})`);
      if (g.topics.length === 0) out.push(`  ${g.groupId.padEnd(24)} ${running}, no committed offsets`);
      else
        out.push(
          `  ${g.groupId.padEnd(24)} ${running}, lag ${g.lag}: ${g.topics.map((t) => `${t.topic} ${t.lag}${t.partitionsWithoutCommit > 0 ? ` (${t.partitionsWithoutCommit} partitions without a commit)` : ''}`).join(', ')}`,
        );
    }
  }
  const cs = status.challengers;
  if ('error' in cs) failed('last pair landed', cs);
  else {
    out.push(`${c.bold('last pair landed')} (pairs captured since ${new Date(flags.since).toISOString()})${cs.length === 0 ? ': none' : ''}`);
    for (const x of cs)
      out.push(
        `  ${x.challengerId.padEnd(24)} ${x.role.padEnd(9)} ${String(x.pairs).padStart(8)} pairs, last landed ${x.lastPairLanded} (captured ${x.lastCapture})`,
      );
  }
  const rs = status.runs;
  if ('error' in rs) out.push(`${c.bold('replay runs')}: ${c.dim(`none recorded (${rs.error})`)}`);
  else {
    const open = rs.filter((r) => !r.landed);
    out.push(
      `${c.bold('replay runs')}: ${open.length === 0 ? 'none in progress' : `${open.length} in progress`}${rs.length > 0 && rs[0]?.landed === true ? `; latest landed: ${rs[0].runId}` : ''}`,
    );
    for (const r of open) out.push(`  ${r.summary}`);
  }
  return out.join('\n');
}

function serviceName(value: string): string {
  if (!/^(\*|[A-Za-z0-9._-]{1,128})$/.test(value)) throw new InvalidArgumentError('a service name is 1-128 ASCII letters, digits, ".", "_" or "-" (or "*").');
  return value;
}

function groupName(value: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value)) throw new InvalidArgumentError('a consumer group id is 1-249 ASCII letters, digits, ".", "_" or "-".');
  return value;
}

async function run(flags: StatusFlags, io: CliIo, now: number): Promise<number> {
  const [ks, gs, chs] = await Promise.all([
    killSwitch(flags, io).catch((error: unknown) => ({ error: message(error) })),
    groups(flags, io).catch((error: unknown) => ({ error: message(error) })),
    fromClickHouse(flags, io, now),
  ]);
  const status: PipelineStatus = { killSwitch: ks, groups: gs, ...chs };
  io.out(flags.format === 'json' ? JSON.stringify(status, null, 2) : renderText(status, flags, io));
  return 'error' in ks || 'error' in gs ? EXIT.problems : EXIT.ok;
}

/** Adds `status` to the program. */
export function registerStatusCommands(program: Command, io: CliIo, setExitCode: (code: number) => void): void {
  const command = program
    .command('status')
    .description('kill-switch state and sampling rate per service, consumer lag per group, when the last pair landed per challenger, replay runs in progress')
    .option(
      '--service <name...>',
      'also show what the kill switch and the sampling entries mean for these services',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), serviceName(v)],
    )
    .option('--group <id...>', `consumer groups to show lag for (default: ${DEFAULT_GROUPS.join(', ')})`, (v: string, prev: string[] | undefined) => [
      ...(prev ?? []),
      groupName(v),
    ])
    .option(
      '--topic-prefix <prefix>',
      'prefix of the topic names',
      (v: string) => {
        if (!/^[a-zA-Z0-9._-]*$/.test(v)) throw new InvalidArgumentError('may only contain ASCII letters, digits, ".", "_" and "-".');
        return v;
      },
      '',
    )
    .option('--brokers <list>', 'Kafka bootstrap brokers, host:port[,host:port] (default: $KAFKA_BROKERS, else the local stack)')
    .option(
      '--since <time>',
      'pairs captured since (for "last pair landed"): a duration back from now, ISO-8601 with a zone, epoch s/ms',
      timeFlag(),
      Date.now() - 86_400_000,
    )
    .addOption(new Option('--format <format>', 'output format').choices([...FORMATS]).default('text'))
    .option('--timeout-ms <ms>', 'bound on each Kafka read', integerIn(1000, 600_000), 15_000);
  withConnectionOptions(command);
  command.addHelpText(
    'after',
    `
Examples:
  shadow status
  shadow status --service pricing --group shadow-replayer --format json
${CONNECTION_HELP}

Exit codes: 0 shown; 1 Kafka could not be read (the other sections are still shown); 2 a bad flag.
ClickHouse that cannot be read is said in its section, not an error: the taps may run without it.`,
  );
  command.action(async (flags: StatusFlags) => setExitCode(await run(flags, io, Date.now())));
}
