import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { locateDatabase } from '../shared/db/connect';
import { createDataSource } from '../shared/db/data-source';
import { pendingSchemaChanges } from '../shared/db/schema-diff';

/**
 * npm run migration:run | migration:revert | migration:generate -- Name
 * Against DATABASE_URL, or the embedded PostgreSQL under .data when it is not set.
 * `generate` writes a draft into migrations/ for a human to review; it never applies it.
 */
const SOURCE_MIGRATIONS_DIR = path.resolve(__dirname, '../../../migrations');

async function main(): Promise<void> {
  const [command, name] = process.argv.slice(2);
  if (!['run', 'revert', 'generate'].includes(command ?? '')) {
    throw new Error('usage: migrations.js run | revert | generate <Name>');
  }
  if (command === 'generate' && !/^[A-Z][A-Za-z0-9]+$/.test(name ?? '')) {
    throw new Error('generate needs a PascalCase name, e.g. npm run migration:generate -- AddLoans');
  }
  const config = loadConfig();
  const database = await locateDatabase(config, () => undefined);
  const dataSource = createDataSource({ url: database.url, poolSize: 2 });
  try {
    await dataSource.initialize();
    if (command === 'run') {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      console.log(applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'nothing to apply');
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'each' });
      console.log('reverted the last migration');
    } else {
      const { up, down } = await pendingSchemaChanges(dataSource);
      if (up.length === 0) {
        console.log('the entities and the migrated schema agree: nothing to generate');
        return;
      }
      const file = writeDraft(name!, up, down);
      console.log(`wrote ${path.relative(process.cwd(), file)}: review it before committing`);
    }
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.stop();
  }
}

/** One statement as a template literal; CREATE TABLE gets a column a line, for the reviewer. */
function formatStatement(query: string): string {
  // Escape for a template literal: backslashes, backticks and interpolation openers.
  const sql = query
    .replace(/ {2}\(/g, '(')
    .trim()
    .replace(/\\/g, '\\\\')
    .replace(/`/g, '\\`')
    .replace(/\$\{/g, '\\${');
  const table = /^CREATE TABLE "(\w+)" \((.*)\)$/s.exec(sql);
  if (!table) return `    await queryRunner.query(\`${sql}\`);`;
  const columns = table[2]!.split(/, (?=["]|CONSTRAINT)/).join(',\n        ');
  return `    await queryRunner.query(\`\n      CREATE TABLE "${table[1]}" (\n        ${columns}\n      )\n    \`);`;
}

function writeDraft(name: string, up: string[], down: string[]): string {
  const timestamp = Date.now();
  const indent = (queries: string[]) => queries.map(formatStatement).join('\n');
  const body = `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${timestamp} implements MigrationInterface {
  name = '${name}${timestamp}';

  async up(queryRunner: QueryRunner): Promise<void> {
${indent(up)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${indent(down)}
  }
}
`;
  const file = path.join(SOURCE_MIGRATIONS_DIR, `${timestamp}-${name}.ts`);
  fs.writeFileSync(file, body);
  return file;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
