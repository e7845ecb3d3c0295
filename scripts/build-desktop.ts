// Builds what the Electron app loads: the renderer (Vite) and the main + preload bundles
// (esbuild). `npm run dist` runs this, then electron-builder.

import { ensureRendererBuilt } from "../main/headless/renderer-build.js";
import { buildElectronBundles } from "../main/launcher/electron-build.js";

await ensureRendererBuilt();
const bundles = await buildElectronBundles();
process.stdout.write(`Built ${bundles.main} and ${bundles.preload}\n`);
