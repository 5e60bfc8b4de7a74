/**
 * The import rules of docs/architecture.md, checked by `npm run lint` (dependency-cruiser).
 * Roles are the top-level folders that run as a process part; shared layers hold what several
 * roles use; bin/ composes roles; bench/ and test/ may import anything.
 */
const ROLES = ['collector', 'writer', 'analyzer', 'api', 'simulator', 'bgp', 'ui'];
const LAYERS = ['records', 'bus', 'store', 'config', 'net', 'inventory', 'telemetry', 'lifecycle', 'kubernetes'];
const roles = `^(${ROLES.join('|')})/`;
const layers = `^(${LAYERS.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'role-imports-role',
      comment: 'A role never imports another role: what two roles share goes into a shared layer (docs/architecture.md).',
      severity: 'error',
      from: { path: roles },
      to: { path: roles, pathNot: '^$1/' },
    },
    {
      name: 'layer-imports-role',
      comment: 'A shared layer never imports a role, bin/, bench/ or test/: roles build on layers, not the other way round.',
      severity: 'error',
      from: { path: layers },
      to: { path: [roles, '^(bin|bench|test)/'] },
    },
    {
      name: 'role-imports-composition',
      comment: 'A role never imports bin/ (which composes roles), bench/ or test/.',
      severity: 'error',
      from: { path: roles },
      to: { path: '^(bin|bench|test)/' },
    },
    {
      name: 'parser-imports-app',
      comment: 'bmp-parser is a package of its own: it imports nothing of the application.',
      severity: 'error',
      from: { path: '^bmp-parser/' },
      to: { path: [roles, layers, '^(bin|bench|test)/'] },
    },
    {
      name: 'no-module-cycle',
      comment: 'No module imports itself through others.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-folder-cycle',
      comment: 'No folder imports itself through others (analyzer/alerts -> analyzer/notify -> analyzer/alerts is a cycle).',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a mistake (a moved file, a typo).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The project's own sources only (Node built-ins such as 'net' would otherwise sit beside the folders).
    includeOnly: `^(${[...ROLES, ...LAYERS, 'bin', 'bench', 'test', 'bmp-parser/src', 'bmp-parser/test'].join('|')})/`,
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
