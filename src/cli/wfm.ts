#!/usr/bin/env node
/** `wfm`: the command-line entry point. One file per command; `--help` on each. */
import { Command } from 'commander';
import { registerAccount } from './account-set.js';
import { registerClient } from './client-create.js';
import { registerConsume } from './consume.js';
import { registerDemo } from './demo.js';
import { registerExport } from './export.js';
import { registerImport } from './import.js';
import { registerImportCalls } from './import-calls.js';
import { registerMigrate } from './migrate.js';
import { registerPublish } from './publish.js';
import { registerRebuild } from './rebuild.js';
import { registerReport } from './report.js';
import { registerRetention } from './retention.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';

const program = new Command('wfm')
  .description('wfm-metrics: workforce-management metrics for messaging contact centers')
  .version('0.1.0')
  .showHelpAfterError();

registerServe(program);
registerImport(program);
registerImportCalls(program);
registerClient(program);
registerAccount(program);
registerRebuild(program);
registerMigrate(program);
registerRetention(program);
registerExport(program);
registerReport(program);
registerConsume(program);
registerPublish(program);
registerSimulate(program);
registerDemo(program);

await program.parseAsync(process.argv);
