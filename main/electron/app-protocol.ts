// The renderer is served from reach-app://renderer/, not file://: a real origin the IPC
// handlers can check senders against, and response headers that carry a strict CSP. The
// page also carries a CSP <meta> (renderer/index.html) that both hosts share; a page under
// two policies must satisfy both, so this header only tightens it (connect-src 'none').
import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { protocol } from "electron";
import { APP_HOST, APP_SCHEME } from "./app-url.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join("; ");

/** Must run before app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true } },
  ]);
}

export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = normalize(url.pathname === "/" ? "index.html" : url.pathname).replace(
      /^[/\\]+/,
      "",
    );
    if (url.host !== APP_HOST || file.startsWith("..")) return new Response(null, { status: 404 });
    try {
      const body = await readFile(join(rendererDir, file));
      return new Response(body, {
        headers: {
          "content-type": TYPES[extname(file)] ?? "application/octet-stream",
          "content-security-policy": CSP,
        },
      });
    } catch {
      return new Response(null, { status: 404 });
    }
  });
}
