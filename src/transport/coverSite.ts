/**
 * The cover website of the wss transport: what anyone without the secret path gets, a small
 * static site (a page at `/`, a 404 elsewhere), served the same way by the transport's server and
 * by any ordinary web server the provider puts it on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEFAULT_COVER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notes</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Notes</h1><p>Nothing new here yet. Check back soon.</p></main></body></html>
`;
const NOT_FOUND =
  '<!doctype html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n';

/** Answers one request of the cover site. */
export function serveCoverSite(page: string, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  const known = path === '/' || path === '/index.html';
  const body = request.method === 'GET' || request.method === 'HEAD' ? (known ? page : NOT_FOUND) : NOT_FOUND;
  const status = request.method !== 'GET' && request.method !== 'HEAD' ? 405 : known ? 200 : 404;
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'max-age=300',
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
