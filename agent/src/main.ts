#!/usr/bin/env node
import { main } from './cli.ts';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('muster-agent failed:', error);
    process.exit(1);
  },
);
