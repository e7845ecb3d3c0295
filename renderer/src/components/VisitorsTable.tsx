// Who is using a public proxy: each visitor's address, how long ago they came, the bytes
// each way, and which one a latching proxy latched.
import type { VisitorView } from "../../../common/desktop-api.js";
import { formatBytes } from "../lib/on-demand-labels.js";
import { sinceWords } from "../lib/since-words.js";

export function VisitorsTable({ visitors, now }: { visitors: VisitorView[]; now: number }) {
  if (visitors.length === 0) return <p className="no-visitors">No visitors yet.</p>;
  return (
    <table className="visitors">
      <caption>Visitors</caption>
      <thead>
        <tr>
          <th scope="col">Address</th>
          <th scope="col">Since</th>
          <th scope="col">In</th>
          <th scope="col">Out</th>
        </tr>
      </thead>
      <tbody>
        {visitors.map((v) => (
          <tr key={`${v.address}-${v.since}`} className={v.connected ? "here" : "left"}>
            <td>
              <code>{v.address}</code>
              {v.latched && <span className="latched-mark">latched</span>}
            </td>
            <td>{sinceWords(v.since, now)}</td>
            <td>{formatBytes(v.bytesIn)}</td>
            <td>{formatBytes(v.bytesOut)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
