#!/usr/bin/env node
// Entry point for the installed `eim` command. In a built installation (npm run build, as the Docker image
// is) it runs the compiled CLI in this process; in a source checkout it runs the TypeScript CLI through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist/src/cli/main.js');
if (!existsSync(join(root, 'src/cli/main.ts')) && existsSync(compiled)) {
  await import(pathToFileURL(compiled).href);
} else {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
