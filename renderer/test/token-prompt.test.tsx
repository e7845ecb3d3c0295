// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ok } from "../../common/result.js";
import { TokenPrompt } from "../src/components/TokenPrompt.js";
import { useStore } from "../src/store.js";
import { attachPageCore } from "./page-core.js";

describe("TokenPrompt", () => {
  it("asks for the username the Copy template lacks and copies with it", async () => {
    const core = await attachPageCore(undefined, {
      copyOnDemand: ok({
        done: true,
        text: "ssh -l alice 127.0.0.1 -p 34012",
        kind: "copy",
        byHost: true,
      }),
    });
    const asking = { id: "OD1", use: "copy" as const, missing: ["username"] };
    useStore.setState({ asking });
    render(<TokenPrompt asking={asking} />);

    const form = screen.getByRole("form", { name: "Username needed" });
    const copy = screen.getByRole("button", { name: "Copy" });
    expect((copy as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText("Username for this connection"), {
      target: { value: " alice " },
    });
    expect((copy as HTMLButtonElement).disabled).toBe(false);
    fireEvent.submit(form);

    await waitFor(() => expect(useStore.getState().asking).toBeNull());
    expect(core.calls.at(-1)).toEqual({
      method: "copyOnDemand",
      input: { id: "OD1", username: "alice" },
    });
    expect(useStore.getState().used).toEqual({
      id: "OD1",
      text: "Copied: ssh -l alice 127.0.0.1 -p 34012",
    });
  });

  it("closes without calling the core on Cancel", async () => {
    const core = await attachPageCore();
    const asking = { id: "OD1", use: "launch" as const, missing: ["username"] };
    useStore.setState({ asking });
    render(<TokenPrompt asking={asking} />);
    expect(screen.getByRole("button", { name: "Launch" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(useStore.getState().asking).toBeNull();
    expect(core.calls.map((c) => c.method)).toEqual(["getState"]);
  });
});
