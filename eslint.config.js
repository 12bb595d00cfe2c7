import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/**
 * The import boundaries of ADR 0012 (README, "Architecture"). A feature is used by others only
 * through its index.ts; plumbing (every folder of src/ but features/ and dialects/) never imports
 * a feature or a dialect; a dialect calls features through their index.ts and holds no SQL (no
 * src/db); app.ts and main.ts compose features through their index.ts.
 */
const foldersOf = (dir) => {
  try {
    return readdirSync(new URL(dir, import.meta.url), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
};
const features = foldersOf('./src/features/');
const dialects = foldersOf('./src/dialects/');
const plumbing = foldersOf('./src/').filter((name) => name !== 'features' && name !== 'dialects');
const featureIndexes = (except) => features.filter((feature) => feature !== except).map((feature) => `./${feature}/index.ts`);
const boundaryZones = [
  ...features.map((feature) => ({
    target: `./src/features/${feature}`,
    from: './src/features',
    except: [`./${feature}`, ...featureIndexes(feature)],
    message: `import another feature only through its index.ts`,
  })),
  ...plumbing.flatMap((folder) => [
    { target: `./src/${folder}`, from: './src/features', message: 'plumbing must not depend on features: take what it needs as a parameter' },
    { target: `./src/${folder}`, from: './src/dialects', message: 'plumbing must not depend on dialects' },
  ]),
  { target: ['./src/app.ts', './src/main.ts'], from: './src/features', except: featureIndexes(), message: 'compose features through their index.ts' },
  ...dialects.flatMap((dialect) => [
    { target: `./src/dialects/${dialect}`, from: './src/features', except: featureIndexes(), message: 'a dialect calls features only through their index.ts' },
    { target: `./src/dialects/${dialect}`, from: './src/db', message: 'no SQL in a dialect: call a core service' },
    { target: `./src/dialects/${dialect}`, from: './src/dialects', except: [`./${dialect}`], message: 'dialects do not import each other' },
  ]),
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'artifacts/', 'web/', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })] },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: boundaryZones }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': 'off',
      // Fastify plugins are async functions whether or not they await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**', 'bench/**'],
    rules: {
      // node:test's describe/it return promises the runner awaits; response bodies are untyped JSON.
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
