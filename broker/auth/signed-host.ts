// The host values a signature may have covered for a request. Several of remote.it's
// clients sign the host without its port (Postman's url.getHost(), requests-http-signature
// 0.1.x, the Insomnia plugin v1.0) while the HTTP Host header carries `host:port`, so
// both are accepted; any other host (another port, another name) is not.

/** The request's Host as sent, then the same host without its port (when it has one). */
export function signedHostCandidates(host: string | undefined): string[] {
  if (!host) return [""];
  const withoutPort = host.replace(/^(\[[^\]]*\]|[^:]*):\d+$/, "$1");
  return withoutPort === host ? [host] : [host, withoutPort];
}
