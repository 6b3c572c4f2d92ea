/**
 * The cover website of the wss transport: what anyone without the secret path gets, a small
 * static site (a page at `/`, a video under `/media/`, a 404 elsewhere), served the same way by the
 * transport's server and by any ordinary web server the provider puts it on. The video gives the site
 * what a tunnel's connection has too: bulk after a page (a visit that watches it is the fair cover for a
 * session that downloads, `docs/transports.md`).
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const DEFAULT_COVER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Notes</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Notes</h1><p>Nothing new here yet. Check back soon.</p>
<video controls preload="none" src="/media/intro.mp4"></video></main></body></html>
`;
/** The cover site's video: its path and size (bytes that look like compressed video: uniformly random). */
export const COVER_MEDIA_PATH = '/media/intro.mp4';
export const COVER_MEDIA_SIZE = 4 * 1024 * 1024;
const NOT_FOUND =
  '<!doctype html>\n<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>\n';
const pageHeaders = (length: number) => ({
  'content-type': 'text/html; charset=utf-8',
  'content-length': length,
  'cache-control': 'max-age=300',
});

let media: Buffer | undefined;
/** The video's bytes: generated once per process, the same for every visitor (SHA-256 in counter mode). */
export function coverMedia(): Buffer {
  if (media) return media;
  const out = Buffer.allocUnsafe(COVER_MEDIA_SIZE);
  const seed = createHash('sha256').update('bandex cover media').digest();
  for (let at = 0, i = 0; at < out.length; at += 32, i++) {
    createHash('sha256').update(seed).update(String(i)).digest().copy(out, at);
  }
  media = out;
  return out;
}

/**
 * The size on the wire (head and body, before TLS) of the page's answer to a keep-alive GET from Node's
 * HTTP server: what the wss server pads its first flight to (`coverSite.test.ts` checks it against a real
 * answer). Node adds `Date` (fixed width), `Connection` and `Keep-Alive` to the headers given.
 */
export function coverPageResponseLength(page: string): number {
  const body = Buffer.byteLength(page);
  const head =
    'HTTP/1.1 200 OK\r\n' +
    Object.entries(pageHeaders(body))
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('') +
    `Date: ${new Date(0).toUTCString()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n`;
  return Buffer.byteLength(head) + body;
}

/** Answers one request of the cover site. */
export function serveCoverSite(page: string, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  const readable = request.method === 'GET' || request.method === 'HEAD';
  if (readable && path === COVER_MEDIA_PATH) {
    const body = coverMedia();
    response.writeHead(200, {
      'content-type': 'video/mp4',
      'content-length': body.length,
      'cache-control': 'max-age=3600',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return;
  }
  const known = path === '/' || path === '/index.html';
  const body = readable && known ? page : NOT_FOUND;
  const status = !readable ? 405 : known ? 200 : 404;
  response.writeHead(status, pageHeaders(Buffer.byteLength(body)));
  response.end(request.method === 'HEAD' ? undefined : body);
}
