import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// Two projects: "workers" runs inside workerd with real D1 (migrations applied in test/setup.ts)
// and KV; "e2e" runs in Node and drives `wrangler dev`, the Flask demo and headless Chromium.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(new URL('./migrations', import.meta.url).pathname);
  return {
    test: {
      // The default output, then each project's wall time and slowest files (scripts/timing-reporter.mjs).
      reporters: ['default', './scripts/timing-reporter.mjs'],
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: './wrangler.toml' },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_API_TOKEN: 'test-admin-token',
                  KEY_ENCRYPTION_KEY: 'test-key-encryption-key-0123456789abcdef',
                  // Rotated keys sign at once in tests; test/tokens/activation.test.ts covers the delay.
                  KEY_ACTIVATION_DELAY_SECONDS: '0',
                  // No mail transport unless a test binds one, whatever a developer's .dev.vars says.
                  SMTP_URL: '',
                  // No JSON line per request in the test output (test/stats/stats.test.ts turns it on for its check).
                  REQUEST_LOG: 'off',
                },
                // A second, empty deployment's storage, for tests that move data between deployments
                // (test/portability/): the Worker is called with these in place of DB and KV.
                d1Databases: { FRESH_DB: 'fresh-deployment-db' },
                kvNamespaces: { FRESH_KV: 'fresh-deployment-kv' },
                // Miniflare's local Email Service, under another name so tests choose when mail uses it
                // (test/email/send.test.ts binds it as EMAIL); without EMAIL, mail goes to SMTP_URL.
                email: { send_email: [{ name: 'TEST_SEND_EMAIL' }] },
              },
            }),
          ],
          test: {
            name: 'workers',
            include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
            exclude: ['test/e2e/**'],
            setupFiles: ['./test/setup.ts'],
            // Two files at a time (each in its own workerd with its own storage) on every machine,
            // also alongside the e2e project (scripts/test.mjs). Under that contention the
            // CPU-heavy files (PBKDF2 at 100,000 iterations: test/login/throttle.test.ts,
            // test/users/imported-hashes.test.ts, test/integration/hostile-input.test.ts) take
            // several times their idle time, so the timeouts leave room for it: they only
            // decide how long a hung test waits, never what a passing one checks.
            maxWorkers: 2,
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
        {
          test: {
            name: 'e2e',
            include: ['test/e2e/**/*.test.ts'],
            environment: 'node',
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
