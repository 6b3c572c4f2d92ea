/**
 * Everything a daemon serves locally on one port (see docs/api/openapi.yaml):
 *
 * | route | what |
 * |---|---|
 * | `GET /api/status` | the daemon's status (JSON) |
 * | `GET /api/info` | role, version, address, which routes exist |
 * | `GET /api/events` | server-sent events: status every second and on changes, the daemon's events |
 * | `GET /metrics` | Prometheus text, names prefixed `bandex_` |
 * | `GET /`, `/assets/*` | the dashboard |
 * | extra `GET` routes | e.g. `/api/network`, `/api/channels`, `/api/providers` |
 * | `POST …` actions | need the bearer token from `<stateDir>/api.token` |
 */
import { join } from 'node:path';
import type { Logger } from '../log/logger.ts';
import { packageVersion } from '../packageVersion.ts';
import { API_TOKEN_FILE, loadOrCreateApiToken } from './apiToken.ts';
import { DEFAULT_DASHBOARD_DIR, dashboardRoutes } from './dashboardFiles.ts';
import { EventStream, type EventStreamParameters, type SnapshotSource } from './eventStream.ts';
import { METRICS_CONTENT_TYPE, type MetricFamily, renderMetrics } from './metrics.ts';
import { type ApiRoutes, type ApiServer, HANDLED, startApiServer, textResponse } from './startApiServer.ts';
import type { Telemetry } from './telemetry.ts';

export type DaemonRole = 'provider' | 'client' | 'auditor' | 'devnet';

export type StartDaemonApiParameters = {
  role: DaemonRole;
  address?: string;
  /** Where `api.token` lives (created 0600 on first start). Without it, state-changing routes are refused. */
  stateDir?: string;
  host?: string;
  port?: number;
  status(): unknown | Promise<unknown>;
  metrics?(): MetricFamily[] | Promise<MetricFamily[]>;
  telemetry?: Telemetry;
  detect?: EventStreamParameters['detect'];
  /** More snapshot sources on the event stream (e.g. `network` every 5 s); each is also `GET /api/<name>`. */
  sources?: Record<string, SnapshotSource>;
  /** More routes: `GET` reads, `POST …` actions (token required). */
  routes?: ApiRoutes;
  dashboardDir?: string;
  logger?: Logger;
};

export type DaemonApi = ApiServer & { events: EventStream; tokenFile?: string };

export async function startDaemonApi(params: StartDaemonApiParameters): Promise<DaemonApi> {
  const tokenFile = params.stateDir ? join(params.stateDir, API_TOKEN_FILE) : undefined;
  const token = tokenFile ? loadOrCreateApiToken(tokenFile) : undefined;
  const sources: Record<string, SnapshotSource> = {
    status: { read: params.status, intervalMs: 1_000 },
    ...params.sources,
  };
  const events = new EventStream({
    sources,
    telemetry: params.telemetry,
    detect: params.detect,
    logger: params.logger,
  });
  const routes: ApiRoutes = {
    ...dashboardRoutes(params.dashboardDir ?? DEFAULT_DASHBOARD_DIR),
    '/api/status': () => params.status(),
    '/api/events': ({ req, res }) => {
      events.handle(req, res);
      return HANDLED;
    },
    ...Object.fromEntries(Object.entries(params.sources ?? {}).map(([name, s]) => [`/api/${name}`, () => s.read()])),
    ...params.routes,
  };
  if (params.metrics) {
    const metrics = params.metrics;
    routes['/metrics'] = async () => textResponse(renderMetrics(await metrics()), METRICS_CONTENT_TYPE);
  }
  routes['/api/info'] = () => ({
    role: params.role,
    version: packageVersion(),
    address: params.address,
    routes: Object.keys(routes).sort(),
    tokenRequiredFor: 'every method other than GET and HEAD',
  });
  const server = await startApiServer({
    routes,
    host: params.host,
    port: params.port,
    token,
    onClose: () => events.close(),
    logger: params.logger,
  });
  return Object.assign(server, { events, tokenFile });
}
