// @sigil/oidc-dev: a real OpenID provider for local Sigil stacks and tests.
// Login issuer `<base>/oidc` (browser login, PKCE, device flow; email identities) and
// CI issuer `<base>/ci` (GitHub-Actions-style ID token requests; workflow identities).
export { createOidcDev, type OidcDev, type OidcDevOptions } from './oidc-dev.js';
export { serveOidc, type OidcServer, type ServeOidcOptions } from './main.js';
export type { CiEnv } from './ci-token.js';
export { GITHUB_WORKFLOW_REQUIRED_CLAIMS, type CiJobDescription } from './github-claims.js';
export { SIGSTORE_CLIENT_ID } from './provider.js';
export { DEV_BANNER } from './login/pages.js';
