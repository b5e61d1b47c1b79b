// Every CLI command, in the order `avstudio --help` lists them.
import type { Command } from 'commander';
import { registerCuration, registerDatasets, registerExport, registerIngest, registerPairs } from './datasets';
import { registerDoctor } from './doctor';
import { registerFeatures, registerFrame } from './features';
import { registerHumanEval } from './humaneval';
import { registerRuns } from './runs';
import { registerServe } from './serve';
import { registerSettings } from './settings';
import { registerTables } from './tables';

export const COMMANDS: Array<(program: Command) => void> = [registerServe, registerDoctor, registerRuns, registerTables, registerFeatures, registerFrame, registerIngest, registerDatasets, registerPairs, registerCuration, registerExport, registerHumanEval, registerSettings];
