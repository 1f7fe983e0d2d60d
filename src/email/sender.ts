// What every transport is (./binding.ts, ./smtp.ts); ./transport.ts picks the one configured.
import type { BuiltMessage } from './message';

export interface Transport {
  name: 'email-service' | 'smtp';
  send(message: BuiltMessage): Promise<void>;
}
