// Where each challenger must send its outbound calls, once the sandbox listens: logged by the
// service and printed by `replay` before the first request, so an operator can check (or set) the
// challengers' HTTP_PROXY, dependency URLs and SMTP host against what is actually listening.

/** What is read of a started sandbox (createSandbox from @shadow/sandbox satisfies it). */
export interface SandboxEndpointsSource {
  endpoints(challengerId: string): { httpProxyUrl: string; dependencyUrl(name: string): string; smtp: { host: string; port: number } };
}

export interface SandboxAddress {
  readonly challenger: string;
  /** Value for the challenger's HTTP_PROXY. */
  readonly httpProxy: string;
  /** Dependency name -> the base URL standing for it. */
  readonly dependencies: Readonly<Record<string, string>>;
  /** `host:port`, or null when the SMTP sinks are off. */
  readonly smtp: string | null;
}

export function sandboxAddresses(sandbox: SandboxEndpointsSource, challengers: readonly string[], dependencies: readonly string[]): SandboxAddress[] {
  return challengers.map((challenger) => {
    const e = sandbox.endpoints(challenger);
    return {
      challenger,
      httpProxy: e.httpProxyUrl,
      dependencies: Object.fromEntries(dependencies.map((name) => [name, e.dependencyUrl(name)])),
      smtp: e.smtp.port === 0 ? null : `${e.smtp.host}:${e.smtp.port}`,
    };
  });
}

/** One line: `challenger cand: HTTP_PROXY=http://127.0.0.1:18080 payments=http://127.0.0.1:18080/__dep/payments smtp=127.0.0.1:2525`. */
export function formatSandboxAddress(a: SandboxAddress): string {
  const parts = [`HTTP_PROXY=${a.httpProxy}`, ...Object.entries(a.dependencies).map(([name, url]) => `${name}=${url}`)];
  if (a.smtp !== null) parts.push(`smtp=${a.smtp}`);
  return `challenger ${a.challenger}: ${parts.join(' ')}`;
}
