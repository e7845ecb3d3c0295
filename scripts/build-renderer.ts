// Builds the renderer into dist/renderer when its sources changed since the last build.
// Run by `npm install` (prepare), so the first `npm start` serves a page at once.
import { ensureRendererBuilt, rendererBuildStaleness } from "../main/headless/renderer-build.js";

const why = await rendererBuildStaleness();
await ensureRendererBuilt();
process.stdout.write(why ? `Built the renderer (${why})\n` : "The renderer build is current\n");
