import { Command, Option } from 'commander';
import { EXIT_CODES_HELP, reportAndExit } from './ui/exit.js';

/** The sigil command. Each action loads its module on demand, so `sigil --help` stays fast. */
export function buildProgram(): Command {
  const program = new Command('sigil')
    .description('Sigil: a self-hostable Sigstore stack (transparency log, keyless CA, signing client)')
    .showHelpAfterError()
    .addHelpText('after', `
Examples:
  sigil log serve --data .sigil/log --port 3000     run a transparency log
  sigil log shard rotate --data .sigil/log          freeze the active tree, open a new one
  sigil log trusted-root --data .sigil/log          print the log's trusted_root.json
${EXIT_CODES_HELP}`);

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
