// Trust for the ACME directory's own HTTPS when it is signed by a private root (a test CA
// such as pebble, or a CA inside a company). acme-client talks through one axios instance
// shared by the whole process; an interceptor hands this directory's requests an
// https.Agent with those roots, so verification stays on everywhere, other origins keep
// Node's roots, and nothing global (NODE_TLS_REJECT_UNAUTHORIZED, NODE_EXTRA_CA_CERTS) changes.
import { Agent } from "node:https";
import { axios } from "acme-client";

/** Installs the trust; the function it returns takes it away again. */
export function trustDirectoryRoots(directoryUrl: string, rootsPem: string): () => void {
  const origin = new URL(directoryUrl).origin;
  const agent = new Agent({ ca: rootsPem, keepAlive: true });
  const id = axios.interceptors.request.use((request) => {
    if (request.url && originOf(request.url) === origin) request.httpsAgent = agent;
    return request;
  });
  return () => {
    axios.interceptors.request.eject(id);
    agent.destroy();
  };
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
