#!/usr/bin/env node
// `npm run bench -- <name>`: runs bench/<name>.ts (all benchmarks when no name is given).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../bench/main.ts', import.meta.url).href);
