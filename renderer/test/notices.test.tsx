// @vitest-environment jsdom
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fail } from "../../common/result.js";
import { Notices } from "../src/components/Notices.js";
import { attachPageCore } from "./page-core.js";

describe("Notices", () => {
  it("runs a notice's action through the store and dismisses the notice once it worked", async () => {
    const core = await attachPageCore();
    render(<Notices />);
    act(() =>
      core.push({
        type: "notice",
        title: "shell closed",
        body: "Its idle timeout passed.",
        action: { label: "Connect again", kind: "startOnDemand", id: "OD1" },
      }),
    );
    expect(screen.getByRole("status").textContent).toContain("shell closed");
    fireEvent.click(screen.getByRole("button", { name: "Connect again" }));

    await waitFor(() => expect(screen.queryByRole("status")).toBeNull());
    expect(core.calls.at(-1)).toEqual({ method: "startOnDemand", input: { id: "OD1" } });
  });

  it("keeps the notice when its action failed, and dismisses it on ×", async () => {
    const core = await attachPageCore(undefined, {
      connect: fail("SERVICE_OFFLINE", "db is offline."),
    });
    render(<Notices />);
    act(() =>
      core.push({
        type: "notice",
        title: "db expired",
        body: "",
        action: { label: "Connect again", kind: "connect", serviceId: "S9", hostIP: "0.0.0.0" },
      }),
    );
    fireEvent.click(screen.getByRole("button", { name: "Connect again" }));
    await act(async () => {});
    expect(core.calls.at(-1)).toEqual({
      method: "connect",
      input: { serviceId: "S9", hostIP: "0.0.0.0" },
    });
    expect(screen.getByRole("status").textContent).toContain("db expired");

    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByRole("status")).toBeNull();
  });
});
