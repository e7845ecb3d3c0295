#!/usr/bin/env node
// Entry point for `npx reach`: runs the TypeScript CLI through tsx so that no build step
// stands between `npm install` and a working command.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
