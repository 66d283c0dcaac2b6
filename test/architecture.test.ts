/** The dependency rule of engineering.md: domain/ is pure and imports only domain/ (and node:crypto for hashing). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const ALLOWED_BUILTINS = new Set(['node:crypto']);

test('src/domain imports nothing outside src/domain', () => {
  const dir = join(root, 'src/domain');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 5);
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const match of text.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)) {
      const spec = match[1] as string;
      const ok = (spec.startsWith('./') && !spec.includes('..')) || ALLOWED_BUILTINS.has(spec);
      assert.ok(ok, `${file} imports ${spec}`);
    }
    assert.doesNotMatch(text, /Date\.now\(|process\.env|Math\.random\(/, `${file} must take time and randomness from its inputs`);
  }
});
