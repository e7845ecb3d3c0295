// Builds the renderer into dist/renderer as plain static files: served by the headless
// host, or loaded from disk by the Electron window. React's JSX is compiled by esbuild.
import { statSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Writes build-inputs.json beside the page: every project file the bundle was made from,
 * with its size and mtime, so main/headless/renderer-build.ts can tell a stale build by
 * stat-ing those files only. Dependencies stand in as package-lock.json.
 */
function recordBuildInputs(): Plugin {
  let startedAt = 0;
  return {
    name: "reach:record-build-inputs",
    apply: "build",
    buildStart() {
      startedAt = Date.now();
    },
    generateBundle() {
      const modules = [...this.getModuleIds()]
        .filter((id) => id.startsWith(ROOT) && !id.includes("/node_modules/"))
        .map((id) => id.replace(/[?#].*$/, ""));
      const extra = ["renderer/index.html", "renderer/vite.config.ts", "package-lock.json"].map(
        (path) => ROOT + path,
      );
      const inputs = [...new Set([...modules, ...extra])].sort().map((file) => {
        const { size, mtimeMs } = statSync(file);
        // A file changed while this build ran may not be in the bundle as it is now: record
        // it as never built, so the next start builds again.
        return { path: relative(ROOT, file), size, mtimeMs: mtimeMs >= startedAt ? 0 : mtimeMs };
      });
      this.emitFile({
        type: "asset",
        fileName: "build-inputs.json",
        source: `${JSON.stringify({ inputs }, null, 1)}\n`,
      });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  esbuild: { jsx: "automatic" },
  plugins: [
    {
      // The dev server injects CSS as inline <style> elements, which index.html's CSP <meta>
      // (style-src 'self') refuses. The policy is for the built page both hosts serve; the
      // dev server (not used by the app) serves the page without it.
      name: "reach:dev-server-without-csp-meta",
      apply: "serve",
      transformIndexHtml: (html) =>
        html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/i, ""),
    },
    recordBuildInputs(),
  ],
  build: {
    outDir: fileURLToPath(new URL("../dist/renderer", import.meta.url)),
    emptyOutDir: true,
    // Inline nothing: the CSP allows scripts and styles from 'self' only.
    assetsInlineLimit: 0,
    sourcemap: false,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod 4 writes explanatory comments that mention `@__PURE__` next to its pure
        // annotations; Rollup cannot place them and says it drops the comment. The code is
        // unchanged and zod's own annotations still apply, so this one case is not news.
        // Every other warning, and this one from any other package, is still shown.
        if (warning.code === "INVALID_ANNOTATION" && warning.id?.includes("/node_modules/zod/"))
          return;
        // lucide-react marks its modules "use client" for React Server Components; in a
        // client-only bundle the directive means nothing, and Rollup says it ignores it.
        if (
          warning.code === "MODULE_LEVEL_DIRECTIVE" &&
          warning.id?.includes("/node_modules/lucide-react/")
        )
          return;
        warn(warning);
      },
    },
  },
});
