// Exits 0 when the PostgreSQL server at the URL given as argument answers a query.
import pg from 'pg';

const url = process.argv[2];
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
try {
  await client.connect();
  await client.query('SELECT 1');
  await client.end();
} catch (error) {
  console.error(`PostgreSQL at ${url.replace(/:[^:@/]*@/, ':***@')} does not answer: ${error.message}`);
  process.exit(1);
}
