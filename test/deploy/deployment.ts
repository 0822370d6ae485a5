// What the deployment files (infra/docker/Dockerfile, docker-compose.yml) are checked against: each
// service's real configuration (its service-shell spec, so its settings and defaults), the variables
// it reads beside that spec, and a reader for the Dockerfile. No Docker engine here: the files are
// checked as data against the code they start.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboardConfig } from '@shadow/dashboard';
import { joinerConfig } from '@shadow/joiner';
import { replayerConfig } from '@shadow/replayer';
import { loadConfig } from '@shadow/service-admin';
import type { ConfigSpec } from '@shadow/service-admin';
import { tapProxyConfig } from '@shadow/tap-proxy';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface DeployedService {
  /** The folder under services/ and the Dockerfile's target. */
  readonly name: 'tap-proxy' | 'replayer' | 'joiner' | 'dashboard';
  readonly config: ConfigSpec;
  /** Variables the service reads outside its spec (@shadow/clickhouse's for the joiner). */
  readonly extraEnv: readonly string[];
  /** Smallest environment the spec accepts, to read its defaults. */
  readonly required: Readonly<Record<string, string>>;
  /** Its listening ports as the loaded config has them, by the setting that chose each. */
  readonly ports: (config: Record<string, unknown>) => Readonly<Record<string, number | string>>;
  /** The port and path of its health check (/readyz: 200 once started, 503 while draining). */
  readonly health: (config: Record<string, unknown>) => { port: number; path: string };
}

const STACK = { KAFKA_BROKERS: 'kafka:19092', SCHEMA_REGISTRY_URL: 'http://schema-registry:8080/apis/ccompat/v7' };
const at = (config: Record<string, unknown>, path: string): number | string => {
  let node: unknown = config;
  for (const key of path.split('.')) node = (node as Record<string, unknown>)[key];
  return node as number | string;
};

export const SERVICES: readonly DeployedService[] = [
  {
    name: 'tap-proxy',
    config: tapProxyConfig as ConfigSpec,
    extraEnv: [],
    required: { ...STACK, TAP_PROXY_UPSTREAM: 'http://live:3000', SHADOW_SERVICE: 'svc' },
    ports: (c) => ({ TAP_PROXY_PORT: at(c, 'port'), TAP_PROXY_ADMIN_PORT: at(c, 'adminPort') }),
    health: (c) => ({ port: Number(at(c, 'adminPort')), path: '/readyz' }),
  },
  {
    name: 'replayer',
    config: replayerConfig as ConfigSpec,
    extraEnv: [],
    required: { ...STACK, REPLAYER_CHALLENGERS: '[{"id":"cand","baseUrl":"http://cand:3000"}]' },
    ports: (c) => ({ REPLAYER_ADMIN_PORT: at(c, 'admin.port') }),
    health: (c) => ({ port: Number(at(c, 'admin.port')), path: '/readyz' }),
  },
  {
    name: 'joiner',
    config: joinerConfig as ConfigSpec,
    // @shadow/clickhouse's clickhouseOptionsFromEnv (docs/clickhouse.md, Options and environment).
    extraEnv: ['CLICKHOUSE_URL', 'CLICKHOUSE_USER', 'CLICKHOUSE_PASSWORD', 'CLICKHOUSE_DATABASE', 'CHDB_PATH', 'CLICKHOUSE_CLUSTER'],
    required: { ...STACK, JOINER_CHALLENGERS: 'cand' },
    // The query endpoint (embedded chDB only) is left on loopback by the image: not a published port.
    ports: (c) => ({ JOINER_ADMIN_PORT: at(c, 'admin.port') }),
    health: (c) => ({ port: Number(at(c, 'admin.port')), path: '/readyz' }),
  },
  {
    name: 'dashboard',
    config: dashboardConfig as ConfigSpec,
    extraEnv: [],
    required: { CLICKHOUSE_URL: 'http://clickhouse:8123' },
    ports: (c) => ({ DASHBOARD_PORT: at(c, 'port') }),
    health: (c) => ({ port: Number(at(c, 'port')), path: '/readyz' }),
  },
];

/** The variables a service reads: its spec's settings, its file variable, and what it reads beside them. */
export function knownEnv(service: DeployedService): Set<string> {
  return new Set([...service.config.settings.map((s) => s.env), service.config.fileEnv, ...service.extraEnv]);
}

/** The service's configuration from `env` alone, through the service shell's loader (throws ConfigError naming every bad field). */
export function load(service: DeployedService, env: Readonly<Record<string, string>>): Record<string, unknown> {
  return loadConfig(service.config, { env, file: '', cwd: repoRoot }) as Record<string, unknown>;
}

export interface DockerStage {
  readonly name: string;
  readonly from: string;
  readonly user: string | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly expose: readonly number[];
  /** `NONE`, or the exec-form command. */
  readonly healthcheck: 'NONE' | readonly string[] | undefined;
  readonly healthcheckOptions: Readonly<Record<string, string>>;
  readonly cmd: readonly string[] | undefined;
  readonly entrypoint: readonly string[] | undefined;
  readonly copies: readonly string[];
}

/** The Dockerfile's stages in order: continuation lines joined, comments and the parser directive left out. */
export function readDockerfile(path: string): DockerStage[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: DockerStage[] = [];
  let current: { -readonly [K in keyof DockerStage]: DockerStage[K] } | undefined;
  const json = (text: string): string[] => {
    const parsed = JSON.parse(text) as unknown;
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new Error(`not an exec-form array: ${text}`);
    return parsed;
  };
  for (const line of lines) {
    const [instruction = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const op = instruction.toUpperCase();
    if (op === 'ARG' && current === undefined) continue;
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`FROM without an image: ${line}`);
      const parent = stages.find((s) => s.name === m[1]);
      current = {
        name: m[2] ?? `stage${stages.length}`,
        from: m[1] as string,
        user: parent?.user,
        env: { ...parent?.env },
        expose: [],
        healthcheck: parent?.healthcheck,
        healthcheckOptions: { ...parent?.healthcheckOptions },
        cmd: parent?.cmd,
        entrypoint: parent?.entrypoint,
        copies: [],
      };
      stages.push(current);
      continue;
    }
    if (current === undefined) throw new Error(`${op} before the first FROM`);
    if (op === 'USER') current.user = args;
    else if (op === 'ENV') {
      const env = { ...current.env };
      for (const pair of args.split(/\s+/)) {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error(`ENV not in KEY=value form: ${line}`);
        env[pair.slice(0, eq)] = pair.slice(eq + 1);
      }
      current.env = env;
    } else if (op === 'EXPOSE') current.expose = args.split(/\s+/).map((p) => Number(p.replace(/\/tcp$/, '')));
    else if (op === 'HEALTHCHECK') {
      if (args === 'NONE') current.healthcheck = 'NONE';
      else {
        const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(args);
        if (!m) throw new Error(`HEALTHCHECK not in exec form: ${line}`);
        current.healthcheck = json(m[2] as string);
        current.healthcheckOptions = Object.fromEntries(
          (m[1] ?? '')
            .trim()
            .split(/\s+/)
            .filter(Boolean)
            .map((o) => o.slice(2).split('=') as [string, string]),
        );
      }
    } else if (op === 'CMD') current.cmd = json(args);
    else if (op === 'ENTRYPOINT') current.entrypoint = json(args);
    else if (op === 'COPY') current.copies = [...current.copies, args];
  }
  return stages;
}
