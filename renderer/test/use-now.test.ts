import assert from "node:assert/strict";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, it } from "vitest";
import { useNow } from "../src/lib/use-now.js";

function Clock() {
  return createElement("time", null, String(useNow()));
}

describe("useNow", () => {
  it("returns the time of the render", () => {
    const before = Date.now();
    const shown = Number(
      /<time>(\d+)<\/time>/.exec(renderToStaticMarkup(createElement(Clock)))?.[1],
    );
    assert.ok(shown >= before && shown <= Date.now(), `${shown} is not the time of the render`);
  });
});
