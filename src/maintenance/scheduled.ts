// The Cron Trigger's work (wrangler.toml `[triggers] crons`): runs every pruner. One failing
// pruner is logged and does not stop the others.
import type { Bindings } from '../env';
import { nowSeconds } from '../lib/time';
import { pruners as defaultPruners, type Pruner } from './pruners';

export type MaintenanceReport = Record<string, number | 'failed'>;

export async function runMaintenance(env: Bindings, now = nowSeconds(), pruners: readonly Pruner[] = defaultPruners): Promise<MaintenanceReport> {
  const report: MaintenanceReport = {};
  for (const pruner of pruners) {
    try {
      report[pruner.name] = await pruner.prune(env, now);
    } catch (error) {
      report[pruner.name] = 'failed';
      console.error('maintenance: pruner failed', pruner.name, error instanceof Error ? `${error.name}: ${error.message.split('\nparams:')[0]}` : 'unknown error');
    }
  }
  console.log('maintenance: pruned', JSON.stringify(report));
  return report;
}

/** The Worker's `scheduled` handler. */
export const scheduled: ExportedHandlerScheduledHandler<Bindings> = (_controller, env, ctx) => {
  ctx.waitUntil(runMaintenance(env));
};
