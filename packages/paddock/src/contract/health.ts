/**
 * What the platform waits for before an app counts as ready, and what makes
 * it restart the app: one reading of `port`, `healthPath` and `livenessPath`
 * for the chart's probes (charts/app/templates/deployment.yaml), Dapr's app
 * health check, `paddock dev` and `paddock explain`.
 *
 *  - readiness: an HTTP GET of healthPath answers 2xx; without healthPath, the
 *    app accepts a TCP connection on its port;
 *  - liveness (and start-up): livenessPath, else healthPath, else the port;
 *  - an app with `port: none` (a worker or a client) has neither: it is ready
 *    while its process runs and its Dapr sidecar is ready.
 */

/** How one check is made. */
export type Check = { kind: 'http'; path: string } | { kind: 'tcp' } | { kind: 'process' };

export interface Health {
  /** The port the app answers web requests on; undefined for `port: none`. */
  port?: number;
  readiness: Check;
  liveness: Check;
}

/** The port as the contract's default fills it: 8080 when not given. */
export const DEFAULT_PORT = 8080;

const path = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** The app's checks, from values that passed the contract. */
export function healthOf(values: Record<string, unknown>): Health {
  if (values.port === 'none') return { readiness: { kind: 'process' }, liveness: { kind: 'process' } };
  const port = typeof values.port === 'number' ? values.port : DEFAULT_PORT;
  const ready = path(values.healthPath);
  const live = path(values.livenessPath) ?? ready;
  return {
    port,
    readiness: ready ? { kind: 'http', path: ready } : { kind: 'tcp' },
    liveness: live ? { kind: 'http', path: live } : { kind: 'tcp' },
  };
}

/** A check in plain words, e.g. "GET /health answers 2xx on port 8080". */
export function describeCheck(c: Check, port: number | undefined): string {
  switch (c.kind) {
    case 'http':
      return `GET ${c.path} on port ${port} answers 2xx`;
    case 'tcp':
      return `the app accepts connections on port ${port}`;
    case 'process':
      return "the app's process runs";
  }
}
