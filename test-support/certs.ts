// Self-signed certificates for TLS tests, made by Debian's openssl (installed by .ci/run).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./stack.js";

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

export async function makeSelfSignedCert(names: string[]): Promise<TestCertificate> {
  const dir = await tempDir("reach-cert-");
  const certFile = join(dir, "cert.pem");
  const keyFile = join(dir, "key.pem");
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=${names[0]}`,
      "-addext",
      `subjectAltName=${san}`,
      "-keyout",
      keyFile,
      "-out",
      certFile,
    ],
    { stdio: "ignore" },
  );
  return {
    certFile,
    keyFile,
    cert: readFileSync(certFile, "utf8"),
    key: readFileSync(keyFile, "utf8"),
  };
}
