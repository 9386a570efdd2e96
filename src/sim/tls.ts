/**
 * A self-signed certificate made at start, for serving over https (MSAL refuses http
 * authorities). The PEM is written to a temporary file so a child process can trust it
 * with NODE_EXTRA_CA_CERTS; in-process clients can pass `certPem` as an https agent's `ca`.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generate } from "selfsigned";

export interface SimTlsInfo {
  /** The certificate (it is its own CA), PEM. */
  readonly certPem: string;
  /** Same as `certPem`: what a client should trust. */
  readonly caPem: string;
  /** A file holding `caPem` (for NODE_EXTRA_CA_CERTS); removed on close. */
  readonly caFile: string;
}

export interface SimTlsMaterial extends SimTlsInfo {
  readonly keyPem: string;
  dispose(): Promise<void>;
}

export async function createTlsMaterial(host: string): Promise<SimTlsMaterial> {
  const altNames: { type: 2 | 7; value?: string; ip?: string }[] = [
    { type: 2, value: "localhost" },
    { type: 7, ip: "127.0.0.1" },
    { type: 7, ip: "::1" },
  ];
  if (!["localhost", "127.0.0.1", "::1"].includes(host)) {
    altNames.push(/^[\d.]+$|:/.test(host) ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const pems = await generate([{ name: "commonName", value: "Graph simulator" }], {
    keyType: "ec",
    algorithm: "sha256",
    notAfterDate: new Date(Date.now() + 7 * 86_400_000),
    extensions: [
      // CA:true lets OpenSSL use the certificate itself as a trust anchor.
      { name: "basicConstraints", cA: true },
      { name: "keyUsage", digitalSignature: true, keyCertSign: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  const dir = await mkdtemp(path.join(os.tmpdir(), "graph-sim-tls-"));
  const caFile = path.join(dir, "ca.pem");
  await writeFile(caFile, pems.cert, { mode: 0o644 });
  return {
    certPem: pems.cert,
    caPem: pems.cert,
    caFile,
    keyPem: pems.private,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
