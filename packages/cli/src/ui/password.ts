/**
 * The password for a cosign key file, found the way cosign finds it: COSIGN_PASSWORD when
 * the variable exists (an empty value is an empty password, not "unset"), else a prompt
 * on the terminal. Unlike cosign, a password is never read from piped stdin: stdin may be
 * the artifact itself (`sign-blob -`), and a script that forgot the variable should fail
 * loudly rather than hang or swallow its input.
 */
import { SigilError } from '@sigil/core';

export const PASSWORD_ENV = 'COSIGN_PASSWORD';
/** Same cap as the key decryptor (MAX_PASSWORD_BYTES); counted in characters here. */
const MAX_PASSWORD_CHARS = 4096;

/** The parts of a TTY ReadStream the prompt uses (process.stdin fits; tests pass a fake). */
export interface PasswordInput {
  readonly isTTY?: boolean;
  readonly isRaw?: boolean;
  setRawMode?(mode: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface PasswordOutput {
  write(chunk: string): unknown;
}

export interface ReadPasswordOptions {
  /** 'encrypt' asks twice and requires both answers to match. */
  purpose: 'decrypt' | 'encrypt';
  env?: NodeJS.ProcessEnv;
  stdin?: PasswordInput;
  stderr?: PasswordOutput;
}

export async function readPassword(o: ReadPasswordOptions): Promise<string> {
  const env = o.env ?? process.env;
  const fromEnv = env[PASSWORD_ENV];
  if (fromEnv !== undefined) {
    if (fromEnv.length > MAX_PASSWORD_CHARS) throw new SigilError('ERR_KEY_PASSWORD', `${PASSWORD_ENV} is longer than ${MAX_PASSWORD_CHARS} characters`);
    return fromEnv;
  }
  const stdin = o.stdin ?? process.stdin;
  const stderr = o.stderr ?? process.stderr;
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') {
    throw new SigilError('ERR_KEY_PASSWORD', `no password: set ${PASSWORD_ENV} (stdin is not a terminal)`);
  }
  const first = await promptHidden(stdin, stderr, 'Enter password for private key: ');
  if (o.purpose === 'decrypt') return first;
  const again = await promptHidden(stdin, stderr, 'Enter password for private key again: ');
  if (again !== first) throw new SigilError('ERR_KEY_PASSWORD', 'passwords do not match');
  return first;
}

/**
 * One line from the terminal in raw mode, so nothing is echoed; raw mode also means the
 * terminal sends Ctrl-C as a byte instead of a signal, so it is handled here.
 */
function promptHidden(stdin: PasswordInput, stderr: PasswordOutput, prompt: string): Promise<string> {
  stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let typed: string[] = [];
    const wasRaw = stdin.isRaw === true;
    const finish = (err?: SigilError): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(wasRaw);
      stdin.pause();
      stderr.write('\n');
      const password = typed.join('');
      typed = [];
      if (err) reject(err);
      else resolve(password);
    };
    const cancelled = (): SigilError => new SigilError('ERR_KEY_PASSWORD', 'password prompt cancelled');
    const onData = (chunk: Buffer | string): void => {
      for (const ch of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        switch (ch) {
          case '\r':
          case '\n':
            return finish();
          case '\u0003': // Ctrl-C
            return finish(cancelled());
          case '\u0004': // Ctrl-D: end of input, like a shell's read
            return typed.length === 0 ? finish(cancelled()) : finish();
          case '\u007f': // Backspace (DEL), and Ctrl-H below
          case '\b':
            typed.pop();
            continue;
          case '\u0015': // Ctrl-U: erase the line
            typed = [];
            continue;
          case '\u001b': // An escape sequence (arrow keys …): drop the rest of this read.
            return;
        }
        if (ch < ' ') continue;
        typed.push(ch);
        if (typed.length > MAX_PASSWORD_CHARS) return finish(new SigilError('ERR_KEY_PASSWORD', `password longer than ${MAX_PASSWORD_CHARS} characters`));
      }
    };
    stdin.on('data', onData);
    stdin.setRawMode?.(true);
    stdin.resume();
  });
}
