import { defineConfig } from "drizzle-kit";

// The PostgreSQL twin of drizzle.config.ts; used only by scripts/db-generate --dialect postgres and
// scripts/check-migrations, never at run time.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/storage/postgres/schema.ts",
  out: process.env.MILLRACE_MIGRATIONS_OUT ?? "./src/storage/postgres/migrations",
});
