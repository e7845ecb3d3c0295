// Builds the renderer into dist/renderer as plain static files: served by the headless
// host, or loaded from disk by the Electron window. React's JSX is compiled by esbuild.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

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
  ],
  build: {
    outDir: fileURLToPath(new URL("../dist/renderer", import.meta.url)),
    emptyOutDir: true,
    // Inline nothing: the CSP allows scripts and styles from 'self' only.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
