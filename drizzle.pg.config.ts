import { defineConfig } from 'drizzle-kit';

/** The PostgreSQL store (SPEC §14); `make generate` runs drizzle-kit for this and drizzle.config.ts. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/adapters/postgres/schema.ts',
  out: './drizzle-pg',
});
