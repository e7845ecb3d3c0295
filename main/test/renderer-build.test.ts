import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  BUILD_INPUTS_FILE,
  ensureRendererBuilt,
  RENDERER_BUILD,
  rendererBuildStaleness,
} from "../headless/renderer-build.js";

// A project of two source files and a build that recorded them, in a temp directory: the
// staleness check is exercised on it, so the real dist/renderer (which e2e tests serve at
// the same time) is never made stale on purpose.
describe("rendererBuildStaleness", () => {
  let root: string;
  let build: string;
  const record = async (paths: string[]) => {
    const inputs = await Promise.all(
      paths.map(async (path) => {
        const { size, mtimeMs } = await stat(join(root, path));
        return { path, size, mtimeMs };
      }),
    );
    await writeFile(join(build, BUILD_INPUTS_FILE), JSON.stringify({ inputs }));
  };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), "reach-renderer-build-"));
    build = join(root, "dist", "renderer");
    await mkdir(join(root, "src"), { recursive: true });
    await mkdir(build, { recursive: true });
    await writeFile(join(root, "src", "app.tsx"), "export const app = 1;\n");
    await writeFile(join(root, "src", "styles.css"), "body {}\n");
    await writeFile(join(build, "index.html"), "<!doctype html>\n");
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("finds a build current while its inputs are as recorded", async () => {
    await record(["src/app.tsx", "src/styles.css"]);
    assert.equal(await rendererBuildStaleness(root, build), null);
    // A file the build did not read (a test, a new unused module) does not matter.
    await writeFile(join(root, "src", "unused.ts"), "export {};\n");
    assert.equal(await rendererBuildStaleness(root, build), null);
  });

  it("names the input whose mtime or size changed, or that is gone", async () => {
    await record(["src/app.tsx", "src/styles.css"]);
    const later = new Date(Date.now() + 5000);
    await utimes(join(root, "src", "styles.css"), later, later);
    assert.equal(
      await rendererBuildStaleness(root, build),
      "src/styles.css changed since the renderer was built",
    );

    await record(["src/app.tsx", "src/styles.css"]);
    const { mtime } = await stat(join(root, "src", "app.tsx"));
    await writeFile(join(root, "src", "app.tsx"), "export const app = 22;\n");
    await utimes(join(root, "src", "app.tsx"), mtime, mtime);
    assert.equal(
      await rendererBuildStaleness(root, build),
      "src/app.tsx changed since the renderer was built",
    );

    await record(["src/app.tsx", "src/styles.css"]);
    await rm(join(root, "src", "styles.css"));
    assert.match((await rendererBuildStaleness(root, build)) ?? "", /^src\/styles\.css changed/);
  });

  it("asks for a build when there is none or its record is missing", async () => {
    const empty = join(root, "empty-build");
    await mkdir(empty);
    assert.equal(await rendererBuildStaleness(root, empty), "no renderer build yet");
    await writeFile(join(empty, BUILD_INPUTS_FILE), JSON.stringify({ inputs: [] }));
    assert.equal(await rendererBuildStaleness(root, empty), "no renderer build yet");
    await writeFile(join(empty, "index.html"), "<!doctype html>\n");
    for (const damaged of ["{", "{}", JSON.stringify({ inputs: [] })]) {
      await writeFile(join(empty, BUILD_INPUTS_FILE), damaged);
      assert.equal(
        await rendererBuildStaleness(root, empty),
        "the renderer build's record is damaged",
      );
    }
  });
});

describe("the renderer build", () => {
  it("records the sources and shared contracts it bundled, and nothing from node_modules", async () => {
    await ensureRendererBuilt();
    const { inputs } = JSON.parse(
      await readFile(join(RENDERER_BUILD, BUILD_INPUTS_FILE), "utf8"),
    ) as { inputs: { path: string }[] };
    const paths = inputs.map((input) => input.path);
    for (const expected of [
      "renderer/src/main.tsx",
      "renderer/src/styles.css",
      "renderer/index.html",
      "renderer/vite.config.ts",
      "common/desktop-api.ts",
      "package-lock.json",
    ])
      assert.ok(paths.includes(expected), `${expected} is not among ${paths.join(", ")}`);
    assert.ok(
      !paths.some((path) => path.includes("node_modules") || path.startsWith("renderer/test")),
    );
    assert.equal(await rendererBuildStaleness(), null);
  });
});
