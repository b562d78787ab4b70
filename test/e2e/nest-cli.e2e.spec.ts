import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const json = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8'));

/**
 * nest-cli.json (the design card's top level) must describe this project's real layout, so that
 * `npx @nestjs/cli@11 build` compiles what `npm run build` compiles and `nest start` runs what the
 * `neraca` command runs (docs/operations.md). The Nest CLI is not installed here (its peer
 * dependencies conflict with this project's @swc/cli), so the file is checked against the
 * layout, the build script and the compiled output this run's global set-up produced.
 */
describe('nest-cli.json', () => {
  const nest = json('nest-cli.json');
  const options = nest.compilerOptions.builder.options;

  it('names real paths: the source root, the entry file, tsconfig and .swcrc', () => {
    expect(statSync(join(ROOT, nest.sourceRoot)).isDirectory()).toBe(true);
    expect(existsSync(join(ROOT, nest.sourceRoot, `${nest.entryFile}.ts`))).toBe(true);
    expect(existsSync(join(ROOT, nest.compilerOptions.tsConfigPath))).toBe(true);
    expect(existsSync(join(ROOT, options.swcrcPath))).toBe(true);
    for (const dir of options.filenames) expect(statSync(join(ROOT, dir)).isDirectory()).toBe(true);
  });

  it('builds as npm run build does: swc over the same folders into the same directory', () => {
    expect(nest.compilerOptions.builder.type).toBe('swc');
    // "rm -rf dist && swc src libs migrations -d dist"
    const build = /swc ((?:[\w-]+ )+)-d (\S+)/.exec(json('package.json').scripts.build)!;
    expect(options.filenames).toEqual(build[1].trim().split(' '));
    expect(options.outDir).toBe(build[2]);
    expect(json('tsconfig.json').compilerOptions.outDir).toBe(options.outDir);
    // The folders are kept in the output (dist/src/…, dist/libs/…), as @libs/* resolves.
    expect(options.stripLeadingPaths).toBe(false);
  });

  it('starts what the neraca command starts', () => {
    // nest start runs <outDir>/<sourceRoot>/<entryFile>.js when it exists.
    const entry = `${options.outDir}/${nest.sourceRoot}/${nest.entryFile}.js`;
    expect(readFileSync(join(ROOT, 'bin/neraca.js'), 'utf8')).toContain(`'../${entry}'`);
    expect(existsSync(join(ROOT, entry))).toBe(true);
  });
});
