/**
 * Progress for network steps, on stderr only (stdout is for machine output): a spinner on
 * a terminal (ora, loaded only then), plain lines otherwise (CI logs), nothing with
 * `--quiet`. Each step ends with ✔/✖ and its duration.
 */
export type StepReporter = <T>(label: string, work: () => Promise<T>) => Promise<T>;

export function stepReporter(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): StepReporter {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return (_label, work) => work();
  if (!stream.isTTY || process.env.CI) {
    return async (label, work) => {
      const t = performance.now();
      try {
        const v = await work();
        stream.write(`sigil: ${label}: done (${ms(t)})\n`);
        return v;
      } catch (err) {
        stream.write(`sigil: ${label}: failed (${ms(t)})\n`);
        throw err;
      }
    };
  }
  return async (label, work) => {
    const { default: ora } = await import('ora');
    const spinner = ora({ text: label, stream }).start();
    const t = performance.now();
    try {
      const v = await work();
      spinner.succeed(`${label} (${ms(t)})`);
      return v;
    } catch (err) {
      spinner.fail(`${label} (${ms(t)})`);
      throw err;
    }
  };
}

const ms = (t: number): string => `${Math.round(performance.now() - t)} ms`;
