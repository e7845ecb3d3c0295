// @vitest-environment jsdom
import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fail, ok } from "../../common/result.js";
import { SignIn } from "../src/components/SignIn.js";
import { StatusBar } from "../src/components/StatusBar.js";
import { attachPageCore } from "./page-core.js";

describe("SignIn", () => {
  it("sends the key pair and shows the broker's refusal, keeping what was typed", async () => {
    const refusal = "The broker did not accept access key AK1: check the key pair.";
    const core = await attachPageCore(undefined, {
      listProfiles: ok([]),
      signIn: fail("UNAUTHENTICATED", refusal),
    });
    render(
      <>
        <StatusBar />
        <SignIn />
      </>,
    );
    fireEvent.change(screen.getByLabelText("Access key ID"), { target: { value: "AK1" } });
    fireEvent.change(screen.getByLabelText("Secret access key"), { target: { value: "s3cret" } });
    // Enabled once the page has its profile list (the button is busy while a call runs).
    fireEvent.click(await screen.findByRole("button", { name: "Sign in" }));

    expect((await screen.findByRole("alert")).textContent).toContain(refusal);
    expect(core.calls.find((c) => c.method === "signIn")?.input).toEqual({
      apiUrl: "http://127.0.0.1:29090/graphql/v1",
      accessKeyId: "AK1",
      secretAccessKey: "s3cret",
    });
    // A refused secret stays in its field so a typo can be fixed rather than retyped.
    expect((screen.getByLabelText("Secret access key") as HTMLInputElement).value).toBe("s3cret");
  });

  it("offers each profile of the credentials file for import", async () => {
    const core = await attachPageCore(undefined, { listProfiles: ok(["work", "home"]) });
    render(<SignIn />);
    fireEvent.click(await screen.findByRole("button", { name: "Import “home”" }));
    expect(core.calls.at(-1)).toEqual({ method: "importProfile", input: { name: "home" } });
  });
});
