import { Command, Option } from 'commander';
import { EXIT_CODES_HELP, reportAndExit } from './ui/exit.js';

/** The sigil command. Each action loads its module on demand, so `sigil --help` stays fast. */
export function buildProgram(): Command {
  const program = new Command('sigil')
    .description('Sigil: a self-hostable Sigstore stack (transparency log, keyless CA, signing client)')
    .showHelpAfterError()
    .addHelpText('after', `
Examples:
  sigil up                                          run log, CA and OIDC provider on port 3000
  sigil log serve --data .sigil/log --port 3000     run a transparency log
  sigil log shard rotate --data .sigil/log          freeze the active tree, open a new one
  sigil log trusted-root --data .sigil/log          print the log's trusted_root.json
${EXIT_CODES_HELP}`);

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
(SQLite, WAL, synchronous=FULL), keys/ (0600), log.json, admin.token and server.json.
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

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    reportAndExit(err);
  }
}
