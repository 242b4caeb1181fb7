import { defineConfig } from "drizzle-kit";

// `npm run db:generate` turns changes of src/db/schema.ts into a new ordered SQL migration.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/schema.ts",
  out: "./src/db/migrations",
});
