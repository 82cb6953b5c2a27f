#!/usr/bin/env node
// Generates src/api/schema.d.ts from the committed OpenAPI spec with openapi-typescript.
//   node scripts/gen-api.mjs          write src/api/schema.d.ts
//   node scripts/gen-api.mjs --check  generate into a temp file and fail if it differs
//                                     from the committed one (CI: catches a stale client)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const spec = resolve(root, '../openapi/dist-btrfs.json');
const committed = resolve(root, 'src/api/schema.d.ts');
const cli = resolve(root, 'node_modules/openapi-typescript/bin/cli.js');
const check = process.argv.includes('--check');

function generate(out) {
  execFileSync(process.execPath, [cli, spec, '--output', out], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

if (!check) {
  generate(committed);
  console.log(`gen:api: wrote ${relative(root, committed)} from ${relative(root, spec)}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'dist-btrfs-api-'));
  try {
    const fresh = join(dir, 'schema.d.ts');
    generate(fresh);
    let current = '';
    try {
      current = readFileSync(committed, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (readFileSync(fresh, 'utf8') !== current) {
      console.error(
        `check:api: ${relative(root, committed)} is stale: it differs from what ` +
          `${relative(root, spec)} generates. Run \`npm run gen:api\` and commit the result.`,
      );
      process.exit(1);
    }
    console.log(`check:api: ${relative(root, committed)} matches ${relative(root, spec)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
