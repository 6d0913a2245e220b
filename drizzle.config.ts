// drizzle-kit configuration: `npx drizzle-kit generate` writes SQL migrations from src/store/schema.ts into drizzle/.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './drizzle',
});
