// A bulk download through a proxy on any host, read at a paced rate so that it is still
// running when a scenario's fault strikes, and checked byte by byte: the bulk service
// (test-support/tcp-load.ts) answers "d<n>" with n bytes of 0x5a.
import { connect } from "node:net";

const BULK_BYTE = 0x5a;
/** Reading pauses 50 ms after every 256 KiB: about 5 MiB/s. */
const PAUSE_EVERY = 256 * 1024;

/** "complete" only when exactly `bytes` bytes, every one of them right, arrived before the end. */
export function pacedDownload(
  host: string,
  port: number,
  bytes: number,
): Promise<"complete" | string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, localAddress: "127.0.0.2" });
    let got = 0;
    let wrong = 0;
    let sincePause = 0;
    socket.once("connect", () => socket.write(`d${bytes}`));
    socket.on("data", (chunk: Buffer) => {
      for (const byte of chunk) if (byte !== BULK_BYTE) wrong++;
      got += chunk.length;
      sincePause += chunk.length;
      if (sincePause >= PAUSE_EVERY) {
        sincePause = 0;
        socket.pause();
        setTimeout(() => socket.resume(), 50);
      }
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (got === bytes && wrong === 0) resolve("complete");
      else resolve(`${got} of ${bytes} bytes, ${wrong} wrong`);
    });
  });
}
