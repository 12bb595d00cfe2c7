import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(import.meta.dirname, '..');
const RULE = 'import-x/no-restricted-paths';
// Not a TypeScript module: imported by a path the compiler does not follow.
const configPath: string = '../eslint.config.js';
const { default: config } = (await import(configPath)) as { default: Linter.Config[] };

/** Only the boundary rule of the project's own ESLint configuration, without type information (fast). */
function boundaryLinter(): ESLint {
  const block = config.find((entry) => entry.rules?.[RULE]);
  assert.ok(block, `eslint.config.js configures ${RULE}`);
  return new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: {
      files: ['**/*.ts'],
      linterOptions: { reportUnusedDisableDirectives: 'off' },
      languageOptions: { parser: tseslint.parser },
      plugins: { ...block.plugins, '@typescript-eslint': tseslint.plugin },
      settings: block.settings,
      rules: { [RULE]: block.rules![RULE]! },
    },
  });
}

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await boundaryLinter().lintText(code, { filePath: join(root, file) });
  return result!.messages.map((message) => message.message);
}

describe('import boundaries (npm run lint)', () => {
  it('refuse a deep import into another feature, and allow its index.ts and the feature itself', async () => {
    assert.match(
      (
        await boundaryErrors(
          'src/features/alerts/probe.ts',
          "import type { SystemsStore } from '../systems/systems-store.ts';\nexport type X = SystemsStore;\n",
        )
      )[0] ?? '',
      /only through its index\.ts/,
    );
    assert.deepEqual(
      await boundaryErrors('src/features/alerts/probe.ts', "import type { SystemsService } from '../systems/index.ts';\nexport type X = SystemsService;\n"),
      [],
    );
    assert.deepEqual(
      await boundaryErrors('src/features/alerts/probe.ts', "import type { AlertsStore } from './alerts-store.ts';\nexport type X = AlertsStore;\n"),
      [],
    );
  });

  it('refuse features in plumbing, even through their index.ts', async () => {
    for (const folder of ['http', 'db', 'config', 'queue', 'domain', 'composition']) {
      const errors = await boundaryErrors(
        `src/${folder}/probe.ts`,
        "import type { SystemsService } from '../features/systems/index.ts';\nexport type X = SystemsService;\n",
      );
      assert.match(errors[0] ?? '', /plumbing must not depend on features/, folder);
    }
  });

  it('hold for the whole tree as it is', async () => {
    const results = await boundaryLinter().lintFiles(['src/**/*.ts']);
    const errors = results.flatMap((result) => result.messages.map((message) => `${result.filePath}:${message.line} ${message.message}`));
    assert.deepEqual(errors, []);
    assert.ok(results.length > 100, `linted ${results.length} files`);
  });
});
