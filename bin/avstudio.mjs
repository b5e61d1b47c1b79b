#!/usr/bin/env node
// The `avstudio` command: runs the TypeScript CLI through tsx, so `npx avstudio` works in a clone
// right after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../cli/main.ts', import.meta.url).href);
