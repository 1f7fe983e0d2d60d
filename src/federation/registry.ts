// Every kind of identity source edge-sso knows: the generic OIDC description and the presets.
import { genericOidc } from './generic';
import { PRESETS as PROVIDER_PRESETS } from './presets/index';
import type { Preset, SourceType } from './types';

/** The generic OIDC type first, then the presets in their own order. */
const PRESETS = new Map<SourceType, Preset>([genericOidc, ...PROVIDER_PRESETS].map((p) => [p.type, p]));

export function presetFor(type: SourceType): Preset {
  const preset = PRESETS.get(type);
  if (!preset) throw new Error(`no preset for identity source type ${type}`);
  return preset;
}

/** The types an admin may choose, in the order the console lists them. */
export function availableTypes(): SourceType[] {
  return [...PRESETS.keys()];
}
