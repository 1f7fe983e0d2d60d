// The discovery document (OpenID Connect Discovery 1.0 §3, RFC 8414). Pure.
import { TOKEN_ENDPOINT_AUTH_METHODS } from '../apps/app';
import { ASYMMETRIC_ALGS } from '../tokens/keys';
import { RESPONSE_MODES } from './authorize-request';
import { CLAIMS_SUPPORTED } from './claims';
import { oidcPaths } from './config';
import { SUPPORTED_SCOPES } from './scope';

export function discoveryDocument(issuer: string) {
  const url = (path: string) => `${issuer}${path}`;
  const confidential = TOKEN_ENDPOINT_AUTH_METHODS.filter((m) => m !== 'none');
  return {
    issuer,
    authorization_endpoint: url(oidcPaths.authorization),
    token_endpoint: url(oidcPaths.token),
    userinfo_endpoint: url(oidcPaths.userinfo),
    jwks_uri: url(oidcPaths.jwks),
    end_session_endpoint: url(oidcPaths.endSession),
    revocation_endpoint: url(oidcPaths.revocation),
    introspection_endpoint: url(oidcPaths.introspection),
    scopes_supported: [...SUPPORTED_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: [...RESPONSE_MODES],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...ASYMMETRIC_ALGS],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    introspection_endpoint_auth_methods_supported: confidential,
    claims_supported: [...new Set(CLAIMS_SUPPORTED)],
    prompt_values_supported: ['none', 'login'],
    authorization_response_iss_parameter_supported: true,
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
  };
}
