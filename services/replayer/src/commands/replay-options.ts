// The options of `replay` (flags, parsers, help), apart from the command that runs them so that
// `shadow` can offer them (its --help, exit 2 on a bad flag) without loading the replay engine:
// this module imports only contracts' pure parsers and the shell's log levels.
import { parseTimeArg, topicPrefixProblem } from '@shadow/contracts';
import { LOG_LEVELS } from '@shadow/service-admin';
import type { CommandOption } from '@shadow/service-admin';

/** Exit code of an interrupted replay (128 + SIGINT): resumable with the same --run-id. */
export const EXIT_INTERRUPTED = 130;

const CHALLENGER_ATTRIBUTES: Readonly<Record<string, [string, (v: string) => unknown]>> = {
  role: ['role', (v) => v],
  name: ['name', (v) => v],
  rate: ['maxRatePerSecond', (v) => Number(v)],
  concurrency: ['maxConcurrency', (v) => Number(v)],
  timeout: ['timeoutMs', (v) => Number(v)],
  host: ['host', (v) => v],
};

/** `id=url[,role=secondary][,name=N][,rate=N][,concurrency=N][,timeout=ms][,host=original]` as an entry of the challengers block (validated by its schema). */
export function parseChallengerSpec(text: string): Record<string, unknown> {
  const [head, ...rest] = text.split(',');
  const eq = (head ?? '').indexOf('=');
  if (eq <= 0) throw new Error('expected id=url[,role=secondary][,name=N][,rate=N][,concurrency=N][,timeout=ms][,host=original]');
  const out: Record<string, unknown> = { id: head?.slice(0, eq), baseUrl: head?.slice(eq + 1) };
  for (const part of rest) {
    const at = part.indexOf('=');
    const key = at < 0 ? part : part.slice(0, at);
    const known = CHALLENGER_ATTRIBUTES[key];
    if (known === undefined) throw new Error(`unknown attribute ${JSON.stringify(key)} (accepted: ${Object.keys(CHALLENGER_ATTRIBUTES).join(', ')})`);
    out[known[0]] = known[1](at < 0 ? '' : part.slice(at + 1));
  }
  return out;
}

function pattern(re: RegExp, what: string): (text: string) => string {
  return (text) => {
    if (!re.test(text.trim())) throw new Error(`expected ${what}`);
    return text.trim();
  };
}

function time(text: string): number {
  const parsed = parseTimeArg(text, Date.now());
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.ms;
}

/** The flags of `replay`, as its bin and `shadow replay` both offer them. */
export const REPLAY_OPTIONS: readonly CommandOption[] = Object.freeze([
  {
    flag: '--from',
    name: 'from',
    value: 'time',
    required: true,
    parse: time,
    description:
      'window start, inclusive (capture time): a duration back from now (2h), an ISO-8601 time with a zone (2026-11-29T10:00:00Z) or epoch s/ms (10/13 digits)',
  },
  { flag: '--to', name: 'to', value: 'time', required: true, parse: time, description: 'window end, exclusive, in the same forms' },
  {
    flag: '--challenger',
    name: 'challengers',
    value: 'spec',
    multiple: true,
    parse: parseChallengerSpec,
    description:
      'id=url[,role=secondary][,name=N][,rate=N][,concurrency=N][,timeout=ms][,host=original] (host=original sends the captured Host); repeatable (default: the challengers of --config)',
  },
  {
    flag: '--speed',
    name: 'speed',
    value: 'speed',
    default: 'max',
    parse: pattern(/^(max|\d+(\.\d+)?x?)$/i, '"max" or a factor such as "1x" or "10x"'),
    description: 'max, 1x (original pace) or Nx',
  },
  {
    flag: '--sample-rate',
    name: 'sampleRate',
    value: 'rate',
    description: 'replay this fraction of the window (deterministic by exchange id), 0..1',
    parse: (t) => {
      const n = Number(t);
      if (t.trim() === '' || !(n >= 0 && n <= 1)) throw new Error('expected a number in [0, 1]');
      return n;
    },
  },
  {
    flag: '--ordering',
    name: 'ordering',
    value: 'mode',
    parse: pattern(/^(none|all|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$/, 'none, all or header:<name>'),
    description: 'none, all (capture order) or header:<name> (capture order per header value)',
  },
  {
    flag: '--run-id',
    name: 'runId',
    value: 'id',
    parse: pattern(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, ".", "_" or "-"'),
    description: 'tags every result and holds the progress: rerun with the same id to resume (default: generated)',
  },
  { flag: '--topic', name: 'topic', value: 'name', description: 'read this exchanges topic instead of <prefix>shadow.exchanges.v1' },
  {
    flag: '--topic-prefix',
    name: 'topicPrefix',
    value: 'prefix',
    description: 'prefix of every topic name (as given to the taps)',
    parse: (t) => {
      const problem = topicPrefixProblem(t);
      if (problem !== null) throw new Error(problem.replace(/, got .*$/, ''));
      return t;
    },
  },
  {
    flag: '--config',
    name: 'config',
    value: 'file',
    description: 'replayer config file, YAML or JSON (docs/replayer.md); env variables override single fields (default: $REPLAYER_CONFIG)',
  },
  {
    flag: '--brokers',
    name: 'brokers',
    value: 'list',
    parse: (t) =>
      t
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b !== ''),
    description: 'Kafka brokers host:port[,...] (default: the config, $KAFKA_BROKERS, else the local stack)',
  },
  {
    flag: '--schema-registry-url',
    name: 'schemaRegistryUrl',
    value: 'url',
    description: 'schema registry (default: the config, $SCHEMA_REGISTRY_URL, else the local stack)',
  },
  { flag: '--json', name: 'json', description: 'print the summary as one JSON object (no progress bar)' },
  {
    flag: '--log-level',
    name: 'logLevel',
    value: 'level',
    parse: pattern(new RegExp(`^(${LOG_LEVELS.join('|')})$`), LOG_LEVELS.join(', ')),
    description: 'log level of the progress lines (stderr; default: the config, $LOG_LEVEL, else info)',
  },
]);

/** The options that set a setting of the configuration, with the path they set. */
export const SETTING_OF: Readonly<Record<string, string>> = {
  challengers: 'challengers',
  sampleRate: 'sampling.rate',
  ordering: 'ordering',
  topicPrefix: 'topicPrefix',
  brokers: 'kafka.brokers',
  schemaRegistryUrl: 'schemaRegistry.url',
  logLevel: 'logLevel',
};

export const REPLAY_HELP = `
Progress: a bar on a terminal, a log line every 5 s otherwise (stderr). Ctrl-C (SIGINT) or SIGTERM
finishes the requests in flight, commits the progress, prints the summary with INTERRUPTED, exit 130;
run the same command with the same --run-id to resume.

Exit codes: 0 the run completed (challenger errors are results: see the summary), 1 Kafka or the
registry failed, 2 bad flags or config (every problem listed), 130 interrupted (resumable).`;

/** Examples after the help of `shadow replay`. */
export const REPLAY_HELP_EXAMPLES = `${REPLAY_HELP}

Examples:
  shadow replay --from 2026-11-29T10:00:00Z --to 2026-11-29T11:00:00Z \\
    --challenger rc=http://pricing-rc:8080 --challenger sec=http://pricing-2:8080,role=secondary --speed 1x --run-id incident-42
  shadow replay --config replayer.yaml --from 1764410400000 --to 1764414000000 --sample-rate 0.1 --json`;
