// The stream ids of one peer path's data channels, taken in turn rather than lowest-free.
// libdatachannel gives a new channel the lowest free id, so a socket opened just after
// another closed takes that channel's id while the agent may still be closing it; the
// agent then refuses the open ("Got open message on already used stream", node-datachannel
// issue #196) and the channel closes before it opens: 9 in 20,000 back-to-back sockets on
// loopback. In turn, an id comes back only after every other id has been used, long after
// its last close finished.

/** libdatachannel negotiates 1,024 SCTP streams: ids above 1,023 are refused. */
const HIGHEST_STREAM_ID = 1023;

export class StreamIds {
  private next: number;

  /**
   * @param controlId the control channel's id: stream ids keep its parity (RFC 8832 §6:
   * the DTLS client opens even ids, the server odd ones) and start after it.
   */
  constructor(private readonly controlId: number) {
    this.next = controlId + 2;
  }

  /** The next id no open channel holds, or null when every id of this parity is held. */
  take(held: ReadonlySet<number>): number | null {
    const first = this.controlId % 2 === 0 ? 2 : 1;
    const count = Math.floor((HIGHEST_STREAM_ID - first) / 2) + 1;
    for (let tried = 0; tried < count; tried++) {
      const id = this.next;
      this.next = id + 2 > HIGHEST_STREAM_ID ? first : id + 2;
      if (id !== this.controlId && !held.has(id)) return id;
    }
    return null;
  }
}
