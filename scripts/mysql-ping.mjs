// Exits 0 when the MySQL server at the URL given as argument answers a query.
import mysql from 'mysql2/promise';

const url = process.argv[2];
try {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 3000 });
  await connection.query('SELECT 1');
  await connection.end();
} catch (error) {
  console.error(`MySQL at ${url.replace(/:[^:@/]*@/, ':***@')} does not answer: ${error.message}`);
  process.exit(1);
}
