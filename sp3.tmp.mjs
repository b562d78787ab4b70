import { PGlite } from '@electric-sql/pglite';
const db = await PGlite.create({ startParams: [...PGlite.defaultStartParams, '-c', 'search_path=blnk,public'] });
console.log((await db.query('SHOW search_path')).rows, (await db.query('select current_schema()')).rows);
await db.exec('CREATE SCHEMA blnk; CREATE TABLE x(a int);');
console.log((await db.query(`select to_regclass('blnk.x') r`)).rows);
await db.close();
