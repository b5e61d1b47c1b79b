// Every CLI command, in the order `avstudio --help` lists them.
import type { Command } from 'commander';
import { registerDoctor } from './doctor';
import { registerFeatures, registerFrame } from './features';
import { registerServe } from './serve';

export const COMMANDS: Array<(program: Command) => void> = [registerServe, registerDoctor, registerFeatures, registerFrame];
