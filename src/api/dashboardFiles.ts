/**
 * The dashboard's files as routes: `/` is the page, `/assets/*` its scripts and styles, all from the
 * Vite build in `dashboard/dist` (`npm run build:dashboard`; `npm start` and `npm test` build it
 * first). Without a build, `/` says how to make one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, type ApiRoutes, textResponse } from './startApiServer.ts';

export const DEFAULT_DASHBOARD_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../dashboard/dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
};

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Bandex dashboard</title>
<p>The dashboard is not built. Run <code>npm run build:dashboard</code> in the Bandex folder and reload.
The API works without it: <a href="/api/status">/api/status</a>, <a href="/metrics">/metrics</a>.</p>\n`;

export function dashboardRoutes(dir = DEFAULT_DASHBOARD_DIR): ApiRoutes {
  const file = (path: string) => {
    const resolved = normalize(join(dir, path));
    if (!resolved.startsWith(normalize(dir) + sep)) throw new ApiError(404, 'API_NOT_FOUND', `no file ${path}`);
    if (!existsSync(resolved)) return undefined;
    return readFileSync(resolved);
  };
  const index = () => {
    const html = file('index.html');
    if (!html) return textResponse(NOT_BUILT, TYPES['.html'] as string, 503);
    return textResponse(html, TYPES['.html'] as string, 200, SECURITY_HEADERS);
  };
  return {
    '/': index,
    '/index.html': index,
    '/assets/*': ({ path }) => {
      const body = file(decodeURIComponent(path));
      if (!body) throw new ApiError(404, 'API_NOT_FOUND', `no file ${path}`);
      const type = TYPES[extname(path)] ?? 'application/octet-stream';
      // Vite puts a content hash in every asset name: cache for good.
      return textResponse(body, type, 200, {
        ...SECURITY_HEADERS,
        'cache-control': 'public, max-age=31536000, immutable',
      });
    },
  };
}
