import type { D1Migration } from 'cloudflare:test';
import type { Bindings } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** Miniflare's local Email Service (vitest.config.ts), bound as EMAIL by the tests that want it. */
      TEST_SEND_EMAIL: SendEmail;
      /** An empty second deployment's storage (vitest.config.ts), for test/portability/. */
      FRESH_DB: D1Database;
      FRESH_KV: KVNamespace;
    }
    interface GlobalProps {
      mainModule: typeof import('../src/index');
    }
  }
}
