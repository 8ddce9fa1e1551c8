// The page is served from app://chromareel/ (not file://) so that it has a real origin, its own CSP
// header, and cannot read other local files by URL.

import { readFile } from 'node:fs/promises';
import { contentTypeOf, resolveStaticPath } from '../host/static-path.js';
import { securityHeaders } from '../host/security-headers.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'chromareel';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Answers one app:// request from the built renderer folder. */
export async function appProtocolResponse(rendererDir: string, requestUrl: string): Promise<Response> {
  const url = new URL(requestUrl);
  const file = url.host === APP_HOST ? resolveStaticPath(rendererDir, url.pathname) : null;
  const body = file ? await readFile(file).catch(() => null) : null;
  if (!file || !body) return new Response('Not found', { status: 404, headers: securityHeaders() });
  return new Response(new Uint8Array(body), { status: 200, headers: { ...securityHeaders(), 'Content-Type': contentTypeOf(file) } });
}
