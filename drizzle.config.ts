import { defineConfig } from "drizzle-kit";

// Used only by scripts/db-generate and scripts/check-migrations; never at run time.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/storage/sqlite/schema.ts",
  out: process.env.MILLRACE_MIGRATIONS_OUT ?? "./src/storage/sqlite/migrations",
});
