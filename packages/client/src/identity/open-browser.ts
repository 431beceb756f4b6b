import { spawn } from 'node:child_process';

/**
 * Asks the desktop to open `url` in the default browser. Failure is silent on purpose:
 * the caller has already shown the URL (onAuthUrl), and a headless machine is not an error.
 * The URL is passed as one argument, never through a shell.
 */
export function openInBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin'
    ? ['open', [url]]
    : process.platform === 'win32'
      // `start` is a cmd builtin that splits on `&`; the URL handler takes the URL whole.
      ? ['rundll32', ['url.dll,FileProtocolHandler', url]]
      : ['xdg-open', [url]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: process.platform !== 'win32' });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener on this machine: the printed URL is the way in.
  }
}
