// Every preset, by type. Each is a small declarative description (issuer or endpoints, fields,
// default scopes, quirks); the generic clients in ../oidc.ts and ../oauth2.ts run every flow.
import type { Preset, SourceType } from '../types';
import { adfs } from './adfs';
import { apple } from './apple';
import { auth0 } from './auth0';
import { entra } from './entra';
import { facebook } from './facebook';
import { github } from './github';
import { google } from './google';
import { keycloak } from './keycloak';
import { activeDirectory, ldap } from './ldap';
import { linkedin } from './linkedin';
import { okta } from './okta';
import { x } from './x';
import { SAML_PRESETS } from './saml';

/** In the order the console lists them: company providers first, then social logins, then directories, then SAML IdPs. */
export const PRESETS: readonly Preset[] = [entra, okta, google, auth0, keycloak, adfs, apple, github, facebook, linkedin, x, activeDirectory, ldap, ...SAML_PRESETS];

export const PRESETS_BY_TYPE: ReadonlyMap<SourceType, Preset> = new Map(PRESETS.map((p) => [p.type, p]));
