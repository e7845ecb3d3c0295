// The direct path's frames (common/p2p/direct-mux.ts): what one end encodes the other
// parses, however the byte stream is cut, and a malformed frame is refused with a sentence.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import {
  type ControlFrame,
  creditFrame,
  dataHeader,
  encodeFrame,
  FrameParser,
  FrameType,
  HEADER_BYTES,
  MAX_DATA_BYTES,
  MAX_REASON_BYTES,
  MuxProtocolError,
  refusedFrame,
} from "../p2p/direct-mux.js";

interface Parsed {
  controls: ControlFrame[];
  data: Map<number, Buffer[]>;
  parser: FrameParser;
}

function parsing(): Parsed {
  const controls: ControlFrame[] = [];
  const data = new Map<number, Buffer[]>();
  const parser = new FrameParser({
    control: (frame) => controls.push({ ...frame, payload: Buffer.from(frame.payload) }),
    data: (id, piece) => data.set(id, [...(data.get(id) ?? []), Buffer.from(piece)]),
  });
  return { controls, data, parser };
}

const payload = randomBytes(3_000);
const stream = Buffer.concat([
  encodeFrame(FrameType.OPEN, 1),
  encodeFrame(FrameType.READY, 1),
  Buffer.concat([dataHeader(1, payload.length), payload]),
  creditFrame(1, 123_456),
  refusedFrame(2, "the agent could not reach 127.0.0.1:9: connect ECONNREFUSED"),
  encodeFrame(FrameType.DATA, 3, Buffer.from("x")),
  encodeFrame(FrameType.END, 1),
  encodeFrame(FrameType.RESET, 3),
  encodeFrame(FrameType.PING, 0),
  encodeFrame(FrameType.PONG, 0),
]);

function check({ controls, data }: Parsed): void {
  assert.deepEqual(
    controls.map(({ type, id }) => [type, id]),
    [
      [FrameType.OPEN, 1],
      [FrameType.READY, 1],
      [FrameType.CREDIT, 1],
      [FrameType.REFUSED, 2],
      [FrameType.END, 1],
      [FrameType.RESET, 3],
      [FrameType.PING, 0],
      [FrameType.PONG, 0],
    ],
  );
  assert.equal(controls[2]?.payload.readUInt32BE(0), 123_456);
  assert.match(controls[3]?.payload.toString() ?? "", /ECONNREFUSED$/);
  assert.deepEqual(Buffer.concat(data.get(1) ?? []), payload);
  assert.deepEqual(Buffer.concat(data.get(3) ?? []), Buffer.from("x"));
}

function refusal(bytes: Buffer): string {
  const { parser } = parsing();
  try {
    parser.push(bytes);
  } catch (error) {
    assert.ok(error instanceof MuxProtocolError);
    return error.message;
  }
  assert.fail("the frame was accepted");
}

describe("the direct path's frames", () => {
  test("parse whole, in one chunk", () => {
    const parsed = parsing();
    parsed.parser.push(stream);
    check(parsed);
  });

  test("parse the same when the stream is cut in two at every byte", () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const parsed = parsing();
      parsed.parser.push(stream.subarray(0, cut));
      parsed.parser.push(stream.subarray(cut));
      check(parsed);
    }
  });

  test("parse the same one byte at a time", () => {
    const parsed = parsing();
    for (let at = 0; at < stream.length; at++) parsed.parser.push(stream.subarray(at, at + 1));
    check(parsed);
  });

  test("pass a DATA payload within one chunk on without copying it", () => {
    const pieces: Buffer[] = [];
    const parser = new FrameParser({ control: () => {}, data: (_id, piece) => pieces.push(piece) });
    const chunk = Buffer.concat([dataHeader(7, payload.length), payload]);
    parser.push(chunk);
    assert.equal(pieces.length, 1);
    assert.equal(pieces[0]?.buffer, chunk.buffer, "a view of the chunk, not a copy");
  });

  test("refuse unknown, oversize and malformed frames with a sentence", () => {
    const unknown = Buffer.alloc(HEADER_BYTES);
    unknown[0] = 42;
    assert.equal(refusal(unknown), "a frame of unknown type 42 arrived");
    assert.match(
      refusal(dataHeader(1, MAX_DATA_BYTES + 1)),
      /^a DATA frame of 262145 bytes arrived; the most is 262144$/,
    );
    assert.equal(refusal(dataHeader(1, 0)), "an empty DATA frame arrived");
    assert.match(
      refusal(encodeFrame(FrameType.OPEN, 1, Buffer.from("x"))),
      /OPEN frame of 1 bytes/,
    );
    assert.match(refusal(encodeFrame(FrameType.CREDIT, 1, Buffer.alloc(2))), /CREDIT frame of 2/);
  });

  test("cut a long refusal at the bound, never inside a character", () => {
    const frame = refusedFrame(1, "é".repeat(MAX_REASON_BYTES));
    const parsed = parsing();
    parsed.parser.push(frame);
    const reason = parsed.controls[0]?.payload.toString("utf8") ?? "";
    assert.ok(Buffer.byteLength(reason) <= MAX_REASON_BYTES);
    assert.match(reason, /^é+$/);
  });
});
