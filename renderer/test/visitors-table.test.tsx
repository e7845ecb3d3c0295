// @vitest-environment jsdom
import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { VisitorsTable } from "../src/components/VisitorsTable.js";
import { visitor } from "./fixtures.js";

const NOW = Date.parse("2026-11-24T12:17:00Z");

describe("VisitorsTable", () => {
  it("shows a row per visitor with when they came and the bytes each way, marking the latched one", () => {
    render(
      <VisitorsTable
        now={NOW}
        visitors={[
          visitor({ address: "198.51.100.7", latched: true, bytesIn: 100, bytesOut: 2048 }),
          visitor({ address: "203.0.113.9", since: NOW - 500, bytesIn: 5 * 1024 * 1024 }),
        ]}
      />,
    );
    const table = screen.getByRole("table", { name: "Visitors" });
    const [header, first, second] = within(table).getAllByRole("row");
    expect(
      within(header as HTMLElement)
        .getAllByRole("columnheader")
        .map((cell) => cell.textContent),
    ).toEqual(["Address", "Since", "In", "Out"]);
    expect(
      within(first as HTMLElement)
        .getAllByRole("cell")
        .map((cell) => cell.textContent),
    ).toEqual(["198.51.100.7latched", "12m ago", "100 B", "2.0 KiB"]);
    expect(within(first as HTMLElement).getByText("latched")).toBeTruthy();
    expect(within(second as HTMLElement).queryByText("latched")).toBeNull();
    expect(within(second as HTMLElement).getByText("just now")).toBeTruthy();
    expect(within(second as HTMLElement).getByText("5.0 MiB")).toBeTruthy();
  });

  it("says so when nobody has come yet", () => {
    render(<VisitorsTable now={NOW} visitors={[]} />);
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.getByText("No visitors yet.")).toBeTruthy();
  });
});
