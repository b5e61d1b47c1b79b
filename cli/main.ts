// The `avstudio` command line: one commander program; each command lives in cli/commands/ and is
// registered here. Every command has --help; every command that prints data takes --json.
import { Command } from 'commander';
import { COMMANDS } from './commands';

const program = new Command('avstudio')
  .description('AV Studio: deep cross-modal audio-visual generation (Chen et al. 2017), from the command line')
  .showHelpAfterError()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

for (const register of COMMANDS) register(program);

await program.parseAsync(process.argv);
