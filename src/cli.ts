#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerDemoCommand } from './cli/demo-command.js';
import { registerEmulatorCommand } from './cli/emulator-command.js';
import { registerIndexCommand } from './cli/index-command.js';
import { registerMountCommands } from './cli/mount-command.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command()
  .name('deltafs')
  .description('Mount SharePoint Online / OneDrive document libraries as a file system')
  .version(pkg.version);

registerEmulatorCommand(program);
registerIndexCommand(program);
registerDemoCommand(program);
registerMountCommands(program);

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`deltafs: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
