import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Runs before each test file: bring the D1 schema up to date (applied migrations are skipped).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
