import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { EXIT_CODES_HELP, reportAndExit } from './ui/exit.js';

/** The sigil command. Each action loads its module on demand, so `sigil --help` stays fast. */
export function buildProgram(): Command {
  const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
  const program = new Command('sigil')
    .version(version, '-V, --version', 'print the version')
    .description('Sigil: a self-hostable Sigstore stack (transparency log, keyless CA, signing client)')
    .showHelpAfterError()
    .addHelpText('after', `
Examples:
  sigil up                                          run log, CA and OIDC provider on port 3000
  sigil sign-blob app.tgz --bundle app.sigstore.json --signing-config .sigil/signing_config.json
  sigil verify-blob app.tgz --bundle app.sigstore.json --trusted-root .sigil/trusted_root.json \\
      --certificate-identity-regexp '^https://github.com/acme/' \\
      --certificate-oidc-issuer https://token.actions.githubusercontent.com
  sigil generate-key-pair && sigil sign-blob app.tgz --key cosign.key --bundle k.json
  sigil log serve --data .sigil/log --port 3000     run a transparency log
  sigil log shard rotate --data .sigil/log          freeze the active tree, open a new one
${EXIT_CODES_HELP}`);

  addClientCommands(program);

  program
    .command('up')
    .description('run the whole local stack on one port: log, CA and development OIDC provider')
    .option('--data <dir>', 'state directory (log/, ca/, oidc/, trusted_root.json, signing_config.json)', '.sigil')
    .option('--port <n>', 'TCP port', '3000')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--url <url>', 'public base URL (default http://HOST:PORT)')
    .option('--log-level <level>', 'server log level', 'warn')
    .addHelpText('after', `
Writes DIR/trusted_root.json and DIR/signing_config.json once ready (a script may wait for
the trusted root: everything is up when it appears) and prints the CI-token variables.

Examples:
  sigil up                       # state in .sigil/, port 3000
  sigil up --data /tmp/s --port 8080`)
    .action(async (o: { data: string; port: string; host: string; url?: string; logLevel?: string }) => (await import('./commands/up.js')).up(o));

  const ca = program.command('ca').description('run the keyless certificate authority (Fulcio v2 API)');
  ca.command('serve')
    .description('serve the CA alone (production: point --issuers at your issuer configuration)')
    .requiredOption('--data <dir>', 'directory for the CA keys and certificates (created on first start)')
    .requiredOption('--issuers <file>', 'issuer configuration, JSON in Fulcio\'s shape (OIDCIssuers, MetaIssuers, CIIssuerMetadata)')
    .option('--port <n>', 'TCP port', '5555')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--log-level <level>', 'server log level', 'warn')
    .addHelpText('after', `
Example issuer file:
  {"OIDCIssuers": {"https://token.actions.githubusercontent.com":
     {"IssuerURL": "https://token.actions.githubusercontent.com", "ClientID": "sigstore", "Type": "github-workflow"}}}

The CA key password comes from SIGIL_CA_PASSWORD (a random one is kept in DIR when unset).`)
    .action(async (o: { data: string; issuers: string; port: string; host: string; logLevel: string }) => (await import('./commands/ca-serve.js')).caServe(o));

  const oidc = program.command('oidc').description('run the development OpenID provider (never for production)');
  oidc.command('serve')
    .description('serve the development OIDC provider: browser login, PKCE, device flow, GitHub-style CI tokens')
    .requiredOption('--data <dir>', 'state directory (signing keys, CI job secrets)')
    .option('--port <n>', 'TCP port', '5556')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--url <url>', 'public base URL (default http://HOST:PORT)')
    .action(async (o: { data: string; port: string; host: string; url?: string }) => (await import('./commands/oidc.js')).oidcServe(o));
  oidc.command('ci-env')
    .description('print the two GitHub Actions variables of the running provider\'s simulated job')
    .requiredOption('--data <dir>', 'state directory of `sigil oidc serve` or `sigil up`')
    .addHelpText('after', `
Example:
  eval "$(sigil oidc ci-env --data .sigil)"
  curl -s -H "Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN" "$ACTIONS_ID_TOKEN_REQUEST_URL&audience=sigstore"`)
    .action(async (o: { data: string }) => (await import('./commands/oidc.js')).ciEnv(o));

  const log = program.command('log').description('run and operate a transparency log (Rekor v1 API)');
  log
    .command('serve')
    .description('serve a transparency log from a data directory (created on first start)')
    .requiredOption('--data <dir>', 'data directory: database, signing keys, identity')
    .option('--port <n>', 'TCP port', '3000')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--url <url>', 'public base URL, fixed at first start (default http://HOST:PORT)')
    .option('--key <file>', 'PEM private key for the first shard (ECDSA P-256 or Ed25519); first start only')
    .addOption(new Option('--key-type <type>', 'key to generate when --key is absent').choices(['ecdsa-p256', 'ed25519']).default('ecdsa-p256'))
    .option('--max-body <bytes>', 'largest request body accepted', String(1024 * 1024))
    .option('--verify-workers <n>', 'worker threads verifying entries (0 = main thread)', '1')
    .option('--log-level <level>', 'server log level (fatal, error, warn, info, debug)', 'warn')
    .addHelpText('after', `
The data directory keeps everything needed to restart with the same identity: log.db
(SQLite, WAL; every commit's WAL fsync'ed before it is answered), keys/ (0600), log.json, admin.token and server.json.
Entries are acknowledged only after they and a signed checkpoint covering them are on disk.

Examples:
  sigil up                                          run log, CA and OIDC provider on port 3000
  sigil log serve --data /var/lib/sigil/log --port 3000 --url https://log.example.com
  sigil log serve --data ./log --key-type ed25519`)
    .action(async (o: Record<string, string>) => (await import('./commands/log-serve.js')).logServe(o));

  const shard = log.command('shard').description('operate the log\'s shards');
  shard
    .command('rotate')
    .description('freeze the active tree at a final signed checkpoint and open a new one, live')
    .requiredOption('--data <dir>', 'data directory of the running log')
    .option('--key <file>', 'PEM private key for the new shard (default: keep the current key)')
    .addHelpText('after', `
Talks to the server running on the data directory (its address and admin credential are
stored there). Writes in flight land in the old or the new shard; none fail.

Example:
  sigil log shard rotate --data .sigil/log --key new-shard.pem`)
    .action(async (o: { data: string; key?: string }) => (await import('./commands/log-shard.js')).shardRotate(o));

  log
    .command('trusted-root')
    .description('print a trusted_root.json (protobuf-specs) listing the log\'s keys')
    .requiredOption('--data <dir>', 'data directory of the log')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { data: string; out?: string }) => (await import('./commands/log-trusted-root.js')).trustedRoot(o));

  return program;
}

/** cosign's instance flags: where to sign, what to trust. */
function instanceOptions(cmd: Command, signing: boolean): Command {
  if (signing) {
    cmd
      .option('--signing-config <file>', 'signing_config.json naming the CA, log and OIDC issuer (sigil up writes one)')
      .option('--fulcio-url <url>', 'certificate authority URL (overrides the signing config)')
      .option('--rekor-url <url>', 'transparency log URL (overrides the signing config)')
      .option('--oidc-issuer <url>', 'OIDC issuer for an interactive login (overrides the signing config)');
  }
  return cmd
    .option('--trusted-root <file>', signing ? 'trusted_root.json: the new bundle is verified against it before it is written' : 'trusted_root.json of the instance (default: the public-good instance, through TUF)')
    .option('--tuf-mirror <url>', 'TUF repository to fetch trust from when no files are given (default: public-good)')
    .option('--tuf-root <file>', 'initial root.json for --tuf-mirror');
}

function policyOptions(cmd: Command, bundle = true): Command {
  if (bundle) cmd.requiredOption('--bundle <file>', 'the Sigstore bundle (v0.1–v0.3)');
  return cmd
    .option('--key <file>', 'public key (PEM) of a key-signed bundle, e.g. cosign.pub')
    .option('--certificate-identity <san>', 'exact signer identity (email or URI SAN)')
    .option('--certificate-identity-regexp <re>', 'signer identity pattern (always matched against the whole SAN)')
    .option('--certificate-oidc-issuer <url>', 'exact OIDC issuer of the signer')
    .option('--certificate-oidc-issuer-regexp <re>', 'OIDC issuer pattern (fully anchored)')
    .option('--certificate-github-workflow-trigger <event>', 'GitHub workflow trigger, e.g. push')
    .option('--certificate-github-workflow-sha <sha>', 'GitHub workflow commit SHA')
    .option('--certificate-github-workflow-name <name>', 'GitHub workflow name')
    .option('--certificate-github-workflow-repository <owner/repo>', 'GitHub repository')
    .option('--certificate-github-workflow-ref <ref>', 'GitHub ref, e.g. refs/heads/main')
    .option('--insecure-any-identity', 'accept any signer identity (dangerous: only the signature is checked)')
    .option('--offline', 'accepted for cosign compatibility: verification is always offline')
    .addOption(new Option('--output <format>', 'result format; json goes to stdout').choices(['text', 'json']).default('text'));
}

function signingOptions(cmd: Command): Command {
  return instanceOptions(cmd, true)
    .option('--bundle <file>', 'where to write the Sigstore bundle (default: stdout)')
    .option('--key <file>', 'sign with this key (cosign.key; password from COSIGN_PASSWORD) instead of keyless')
    .option('--identity-token <jwt-or-file>', 'OIDC identity token, or a file holding one')
    .option('--device', 'interactive login with the device flow (the default when there is no browser or TTY)')
    .option('--output-certificate <file>', 'also write the signing certificate (PEM)')
    .option('-y, --yes', 'skip confirmation prompts (implied when stdin is not a terminal)')
    .option('-q, --quiet', 'no progress output');
}

const IDENTITY_HELP = `
Keyless identity, first that applies: --identity-token, SIGSTORE_ID_TOKEN, GitHub Actions
(ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, audience sigstore), the GCP metadata server, then an
interactive login (browser with PKCE, or --device).`;

function addClientCommands(program: Command): void {
  signingOptions(program.command('sign-blob').argument('<file>', 'the artifact to sign (streamed: any size)'))
    .description('sign a file: keyless (certificate from the CA) or with --key; writes a Sigstore bundle v0.3')
    .option('--output-signature <file>', 'also write the base64 signature')
    .addHelpText('after', `${IDENTITY_HELP}

Examples:
  # in a GitHub Actions job (or with sigil up's CI variables exported)
  sigil sign-blob dist/app.tgz --bundle app.sigstore.json --signing-config .sigil/signing_config.json
  # with a key pair from generate-key-pair
  COSIGN_PASSWORD=... sigil sign-blob app.tgz --key cosign.key --bundle app.sigstore.json
  # the public-good instance (trust through TUF), token from a file
  sigil sign-blob app.tgz --bundle b.json --identity-token token.jwt`)
    .action(async (file: string, o: Record<string, string | boolean>) => (await import('./commands/sign-blob.js')).signBlob(file, o));

  policyOptions(instanceOptions(program.command('verify-blob').argument('<file>', 'the artifact (or its digest as sha256:<hex>)'), false))
    .description('verify a file against a Sigstore bundle, offline: chain, SCT, log proofs, identity, digest, signature')
    .addHelpText('after', `
Keyless bundles need both an identity and an issuer policy (or --key for key-signed ones).
Patterns are always anchored: 'https://github.com/acme/' matches only that exact string.
Prints "Verified OK" (stderr) only when every check passed; exit 1 names the failed check.

Examples:
  sigil verify-blob app.tgz --bundle app.sigstore.json --trusted-root .sigil/trusted_root.json \\
    --certificate-identity https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com
  sigil verify-blob app.tgz --bundle app.sigstore.json --certificate-identity-regexp '.*@example\\.com' \\
    --certificate-oidc-issuer https://accounts.google.com --output json
  sigil verify-blob app.tgz --bundle k.json --key cosign.pub`)
    .action(async (file: string, o: Record<string, string>) => (await import('./commands/verify-blob.js')).verifyBlob(file, o as never));

  signingOptions(program.command('attest-blob').argument('<file>', 'the artifact the attestation is about'))
    .description('sign an in-toto attestation (DSSE, Statement v1) about a file; writes a Sigstore bundle v0.3')
    .requiredOption('--predicate <file>', 'the predicate (JSON; text for spdx and cyclonedxxml)')
    .option('--type <type>', 'slsaprovenance|slsaprovenance02|slsaprovenance1|spdx|spdxjson|cyclonedx|cyclonedxxml|link|vuln|openvex|custom, or a URI', 'custom')
    .addHelpText('after', `${IDENTITY_HELP}

Example:
  sigil attest-blob app.tgz --predicate provenance.json --type slsaprovenance1 \\
    --bundle app.intoto.sigstore.json --signing-config .sigil/signing_config.json`)
    .action(async (file: string, o: Record<string, string>) => (await import('./commands/attest-blob.js')).attestBlob(file, o as never));

  policyOptions(instanceOptions(program.command('verify-blob-attestation').argument('<file>', 'the artifact (or sha256:<hex>)'), false))
    .description('verify an attestation bundle about a file; --type must match its predicate type')
    .option('--type <type>', 'expected predicate type: a cosign shorthand (slsaprovenance, spdxjson, …) or a URI')
    .addHelpText('after', `
Example:
  sigil verify-blob-attestation app.tgz --bundle app.intoto.sigstore.json --type slsaprovenance1 \\
    --certificate-identity-regexp '^https://github.com/acme/' \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com --trusted-root trusted_root.json`)
    .action(async (file: string, o: Record<string, string>) => (await import('./commands/verify-blob-attestation.js')).verifyBlobAttestation(file, o as never));

  program.command('generate-key-pair')
    .description('write cosign.key (encrypted, 0600) and cosign.pub in cosign\'s format')
    .option('--output-key-prefix <prefix>', 'file name prefix', 'cosign')
    .option('-f, --force', 'overwrite existing files')
    .option('-q, --quiet', 'no progress output')
    .addHelpText('after', `
The password comes from COSIGN_PASSWORD (may be empty) or, on a terminal, a prompt.
Keys written by cosign (EC, Ed25519, RSA; both PEM labels) are read by --key as well.

Example:
  COSIGN_PASSWORD=s3cret sigil generate-key-pair --output-key-prefix release`)
    .action(async (o: { outputKeyPrefix: string; force?: boolean; quiet?: boolean }) => (await import('./commands/generate-key-pair.js')).generateKeyPair(o));

  program.command('trusted-root')
    .description('fetch an instance\'s trusted root through TUF (verified) and print it')
    .option('--mirror <url>', 'TUF repository (default: the public-good instance)')
    .option('--root <file>', 'initial root.json of --mirror')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--signing-config-out <file>', 'also write the instance\'s signing config')
    .option('--cache-dir <dir>', 'TUF cache directory')
    .addHelpText('after', `
Examples:
  sigil trusted-root --out trusted_root.json
  sigil trusted-root --mirror https://tuf.example.com --root root.json --signing-config-out signing_config.json`)
    .action(async (o: Record<string, string>) => (await import('./commands/trusted-root.js')).trustedRoot(o));

  addImageCommands(program);

  program.command('completion')
    .argument('<shell>', 'bash, zsh or fish')
    .description('print a shell completion script')
    .addHelpText('after', `
Examples:
  source <(sigil completion bash)
  sigil completion fish | source`)
    .action(async (shell: string) => (await import('./commands/completion.js')).completion(program, shell));
}

const REGISTRY_HELP = `
Registry credentials come from ~/.docker/config.json (or $DOCKER_CONFIG): auths and credential
helpers. Plain HTTP is used only for loopback registries unless --allow-insecure-registry.`;

function imageSigningOptions(cmd: Command): Command {
  return signingOptions(cmd)
    .option('--recursive', 'for an image index, also sign every platform manifest')
    .option('--new-bundle-format', 'attach a Sigstore bundle v0.3 as an OCI 1.1 referrer (read by cosign ≥ 2.4 with --new-bundle-format, and cosign 3) instead of cosign\'s .sig/.att tag (read by every cosign)')
    .option('--allow-insecure-registry', 'allow plain HTTP to a non-loopback registry');
}

function addImageCommands(program: Command): void {
  imageSigningOptions(program.command('sign').argument('<image>', 'image reference; a digest (@sha256:…) is best, a tag is resolved once'))
    .description('sign a container image in its registry (keyless or --key), cosign-compatible')
    .addHelpText('after', `${IDENTITY_HELP}
${REGISTRY_HELP}

Examples:
  sigil sign ghcr.io/acme/app@sha256:4f2c… --signing-config .sigil/signing_config.json
  sigil sign localhost:5000/app:v1 --key cosign.key          # warns: names the digest signed
  sigil sign localhost:5000/app@sha256:… --recursive --new-bundle-format`)
    .action(async (image: string, o: Record<string, string>) => (await import('./commands/image.js')).sign(image, o));

  policyOptions(instanceOptions(program.command('verify').argument('<image>', 'image reference (a tag is resolved to a digest once)'), false), false)
    .description('verify an image\'s signatures (cosign tag layout and OCI referrers) against a policy')
    .option('--allow-insecure-registry', 'allow plain HTTP to a non-loopback registry')
    .option('--allow-reference-mismatch', 'accept signatures made for the same digest in another repository (a copy or mirror)')
    .addHelpText('after', `
At least one signature must pass every check: its payload names the digest verified, its
layer matches its descriptor, its certificate chains to the trusted root, its log entry is
proven, and its signer matches the policy.
${REGISTRY_HELP}

Examples:
  sigil verify ghcr.io/acme/app:v1 --certificate-identity-regexp '^https://github.com/acme/' \\
    --certificate-oidc-issuer https://token.actions.githubusercontent.com
  sigil verify localhost:5000/app@sha256:… --key cosign.pub --trusted-root trusted_root.json --output json`)
    .action(async (image: string, o: Record<string, string>) => (await import('./commands/image.js')).verify(image, o));

  imageSigningOptions(program.command('attest').argument('<image>', 'image reference'))
    .description('attach a signed in-toto attestation (DSSE) to an image')
    .requiredOption('--predicate <file>', 'the predicate (JSON; text for spdx and cyclonedxxml)')
    .option('--type <type>', 'slsaprovenance|slsaprovenance1|spdxjson|cyclonedx|vuln|openvex|custom|…, or a URI', 'custom')
    .addHelpText('after', `
Example:
  sigil attest localhost:5000/app@sha256:… --predicate provenance.json --type slsaprovenance1 \\
    --signing-config .sigil/signing_config.json`)
    .action(async (image: string, o: Record<string, string>) => (await import('./commands/image.js')).attest(image, o as never));

  policyOptions(instanceOptions(program.command('verify-attestation').argument('<image>', 'image reference'), false), false)
    .description('verify an image\'s attestations; --type selects the predicate type')
    .option('--type <type>', 'expected predicate type (cosign shorthand or URI)')
    .option('--allow-insecure-registry', 'allow plain HTTP to a non-loopback registry')
    .addHelpText('after', `
Example:
  sigil verify-attestation localhost:5000/app@sha256:… --type slsaprovenance1 \\
    --certificate-identity-regexp '^https://github.com/acme/' --certificate-oidc-issuer https://token.actions.githubusercontent.com`)
    .action(async (image: string, o: Record<string, string>) => (await import('./commands/image.js')).verifyAttestation(image, o));

  program.command('tree').argument('<image>', 'image reference')
    .description('show what is attached to an image: signatures, attestations, referrers')
    .option('--output <format>', 'text or json', 'text')
    .option('--allow-insecure-registry', 'allow plain HTTP to a non-loopback registry')
    .addHelpText('after', `
Example:
  sigil tree localhost:5000/app:v1`)
    .action(async (image: string, o: Record<string, string>) => (await import('./commands/image.js')).tree(image, o));

  program.command('triangulate').argument('<image>', 'image reference')
    .description('print where cosign\'s tag layout keeps an image\'s signatures (or attestations)')
    .option('--type <kind>', 'signature or attestation', 'signature')
    .option('--allow-insecure-registry', 'allow plain HTTP to a non-loopback registry')
    .addHelpText('after', `
Example:
  sigil triangulate localhost:5000/app:v1      # localhost:5000/app:sha256-<hex>.sig`)
    .action(async (image: string, o: Record<string, string>) => (await import('./commands/image.js')).triangulate(image, o));

  program.command('download').argument('<what>', 'signature or attestation').argument('<image>', 'image reference')
    .description('print an image\'s signatures or attestations, one JSON document per line')
    .option('--allow-insecure-registry', 'allow plain HTTP to a non-loopback registry')
    .addHelpText('after', `
Examples:
  sigil download signature localhost:5000/app:v1
  sigil download attestation localhost:5000/app:v1 | jq -r .payload | base64 -d`)
    .action(async (what: string, image: string, o: Record<string, string>) => (await import('./commands/image.js')).download(what, image, o));
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    reportAndExit(err);
  }
}
