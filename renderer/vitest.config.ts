// The renderer's unit tests: pure helpers in Node, components in jsdom (26, the last that
// runs on Node 20; a component test file says so in its first line), with the build's JSX.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  esbuild: { jsx: "automatic" },
  test: {
    include: ["test/**/*.test.{ts,tsx}"],
    // Pure helpers run in Node; a component test file asks for jsdom in its first line.
    environment: "node",
    setupFiles: ["test/setup.ts"],
    // One worker at a time: the machines this runs on have two cores and other jobs.
    maxWorkers: 1,
  },
});
