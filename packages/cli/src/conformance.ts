import { reportAndExit, UsageError } from './ui/exit.js';

/**
 * `sigil-conformance`: the sigstore-conformance client protocol (docs/cli_protocol.md),
 * a thin shell over the same code as `sigil sign-blob` / `sigil verify-blob`:
 *
 *   sign-bundle [--staging] --identity-token TOKEN --bundle FILE [--trusted-root F] [--signing-config F] FILE
 *   verify-bundle [--staging] --bundle FILE (--certificate-identity ID --certificate-oidc-issuer URL | --key F)
 *                 [--trusted-root F] FILE_OR_DIGEST
 *
 * FILE_OR_DIGEST is `sha256:<hex>` when it is no path on disk. `--staging` selects the
 * public-good staging instance through its TUF repository.
 */
const STAGING_MIRROR = 'https://tuf-repo-cdn.sigstage.dev';

function parse(args: string[], flags: string[], booleans: string[]): { values: Record<string, string | true>; rest: string[] } {
  const values: Record<string, string | true> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (booleans.includes(a)) values[a] = true;
    else if (flags.includes(a)) {
      const v = args[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      values[a] = v;
    } else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}`);
    else rest.push(a);
  }
  if (rest.length !== 1) throw new UsageError('expected exactly one FILE (or sha256:<hex>) argument');
  return { values, rest };
}

const str = (v: string | true | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export async function conformance(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === 'sign-bundle') {
    const { values, rest } = parse(args, ['--identity-token', '--bundle', '--trusted-root', '--signing-config'], ['--staging']);
    if (!values['--bundle'] || !values['--identity-token']) throw new UsageError('sign-bundle needs --identity-token and --bundle');
    const { signBlob } = await import('./commands/sign-blob.js');
    await signBlob(rest[0]!, {
      identityToken: str(values['--identity-token']),
      bundle: str(values['--bundle']),
      trustedRoot: str(values['--trusted-root']),
      signingConfig: str(values['--signing-config']),
      ...(values['--staging'] ? { tufMirror: STAGING_MIRROR } : {}),
      quiet: true,
    });
    return;
  }
  if (command === 'verify-bundle') {
    const { values, rest } = parse(args, ['--bundle', '--certificate-identity', '--certificate-oidc-issuer', '--trusted-root', '--key'], ['--staging']);
    if (!values['--bundle']) throw new UsageError('verify-bundle needs --bundle');
    const { runVerification } = await import('./commands/verifying.js');
    await runVerification({
      bundle: str(values['--bundle'])!,
      certificateIdentity: str(values['--certificate-identity']),
      certificateOidcIssuer: str(values['--certificate-oidc-issuer']),
      key: str(values['--key']),
      trustedRoot: str(values['--trusted-root']),
      ...(values['--staging'] ? { tufMirror: STAGING_MIRROR } : {}),
    }, rest[0]!, 'any');
    return;
  }
  throw new UsageError('usage: sigil-conformance sign-bundle|verify-bundle … (the sigstore-conformance CLI protocol)');
}

export async function main(argv: string[]): Promise<void> {
  try {
    await conformance(argv.slice(2));
  } catch (err) {
    reportAndExit(err);
  }
}
