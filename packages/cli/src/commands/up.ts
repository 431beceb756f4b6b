import { resolve } from 'node:path';
import { startStack } from '../stack/stack.js';
import { parseIntOption } from './log-serve.js';

export async function up(o: { data: string; port: string; host: string; url?: string; logLevel?: string }): Promise<void> {
  const stack = await startStack({
    dataDir: resolve(o.data),
    port: parseIntOption(o.port, '--port', 0, 65535),
    host: o.host,
    ...(o.url ? { publicUrl: o.url } : {}),
    ...(o.logLevel ? { logLevel: o.logLevel } : {}),
  });
  const ci = stack.oidc.ciEnv();
  const dir = resolve(o.data);
  process.stdout.write(`
Sigil stack at ${stack.url}  (state in ${dir})
  transparency log (Rekor v1)   ${stack.url}/api/v1/log
  certificate authority (Fulcio) ${stack.url}/api/v2/configuration
  OIDC provider (development)    ${stack.oidc.loginIssuer}/.well-known/openid-configuration
  CI token issuer (GitHub-style) ${stack.oidc.ciIssuer}/.well-known/openid-configuration
  trusted root                   ${stack.trustedRootPath}
  signing config                 ${stack.signingConfigPath}

Act as a GitHub Actions job (paste into a shell):
  export ACTIONS_ID_TOKEN_REQUEST_URL='${ci.ACTIONS_ID_TOKEN_REQUEST_URL}'
  export ACTIONS_ID_TOKEN_REQUEST_TOKEN='${ci.ACTIONS_ID_TOKEN_REQUEST_TOKEN}'
  curl -s -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore"

Sign and verify keyless with that CI identity (in the shell with the two exports above):
  echo hello > artifact.txt
  npx sigil sign-blob artifact.txt --bundle artifact.sigstore.json --signing-config ${stack.signingConfigPath} --trusted-root ${stack.trustedRootPath}
  npx sigil verify-blob artifact.txt --bundle artifact.sigstore.json --trusted-root ${stack.trustedRootPath} \\
    --certificate-identity-regexp '^https://github\\.com/.*' --certificate-oidc-issuer ${stack.oidc.ciIssuer}

In a shell without those exports, sign-blob signs you in through the development login page
(a browser with PKCE; --device for the device flow). Images in a registry work the same way:
  npx sigil sign localhost:5000/app@sha256:<digest> --signing-config ${stack.signingConfigPath}
  npx sigil verify localhost:5000/app:v1 --trusted-root ${stack.trustedRootPath} --certificate-identity-regexp '^https://github\\.com/.*' --certificate-oidc-issuer ${stack.oidc.ciIssuer}

Rotate the log's shard live:  npx sigil log shard rotate --data ${dir}
Ctrl-C stops the stack cleanly.
`);
  stack.writeTrustDocuments();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    stack.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`sigil up: error while stopping: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
