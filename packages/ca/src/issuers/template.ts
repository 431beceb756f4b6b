/**
 * The subset of Go's text/template that Fulcio's `ci-issuer-metadata` templates use
 * (config/identity/config.yaml): literal text, `{{ .claim }}`, `{{ index . "claim" }}` and
 * `{{if eq ARG "literal"}}…{{ else }}…{{end}}`. A template without `{{` is a claim name
 * whose value is taken as is (Fulcio's `applyTemplateOrReplace`). Missing keys are errors
 * (`missingkey=error`). Anything else is refused when the configuration is loaded.
 */

type Arg = { key: string };
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'value'; arg: Arg }
  | { kind: 'if'; arg: Arg; equals: string; then: Node[]; else: Node[] };

export class MissingTemplateValue extends Error {
  constructor(readonly key: string) {
    super(`value <${key}> not present in either claims or defaults`);
  }
}

export interface Template {
  readonly source: string;
  /** The keys the template may read. */
  readonly keys: readonly string[];
  render(data: ReadonlyMap<string, string>): string;
}

const FIELD = /^\.([A-Za-z_][A-Za-z0-9_]*)$/;
const INDEX = /^\(?\s*index\s+\.\s+"((?:[^"\\]|\\.)*)"\s*\)?$/;
const IF_EQ = /^if\s+eq\s+(\.[A-Za-z_][A-Za-z0-9_]*|\(\s*index\s+\.\s+"(?:[^"\\]|\\.)*"\s*\))\s+"((?:[^"\\]|\\.)*)"$/;

function parseArg(text: string): Arg | undefined {
  const f = FIELD.exec(text);
  if (f) return { key: f[1]! };
  const i = INDEX.exec(text);
  if (i) return { key: JSON.parse(`"${i[1]!}"`) as string };
  return undefined;
}

export function parseTemplate(source: string): Template {
  if (!source.includes('{{')) {
    const key = source;
    return { source, keys: [key], render: (data) => lookup(data, key) };
  }
  const tokens: ({ text: string } | { action: string })[] = [];
  let last = 0;
  for (const m of source.matchAll(/\{\{([\s\S]*?)\}\}/g)) {
    if (m.index > last) tokens.push({ text: source.slice(last, m.index) });
    tokens.push({ action: (m[1] ?? '').trim() });
    last = m.index + m[0].length;
  }
  if (last < source.length) tokens.push({ text: source.slice(last) });
  if (tokens.some((t) => 'text' in t && t.text.includes('{{'))) throw new Error(`unterminated action in template ${JSON.stringify(source)}`);

  let pos = 0;
  const keys = new Set<string>();
  const parseList = (closers: readonly string[]): { nodes: Node[]; closer: string | undefined } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if ('text' in t) {
        nodes.push({ kind: 'text', text: t.text });
        continue;
      }
      if (closers.includes(t.action)) return { nodes, closer: t.action };
      const arg = parseArg(t.action);
      if (arg) {
        keys.add(arg.key);
        nodes.push({ kind: 'value', arg });
        continue;
      }
      const cond = IF_EQ.exec(t.action);
      if (cond) {
        const condArg = parseArg(cond[1]!);
        if (!condArg) throw new Error(`unsupported condition in template ${JSON.stringify(source)}`);
        keys.add(condArg.key);
        const equals = JSON.parse(`"${cond[2]!}"`) as string;
        const a = parseList(['else', 'end']);
        let otherwise: Node[] = [];
        if (a.closer === 'else') otherwise = parseList(['end']).nodes;
        else if (a.closer !== 'end') throw new Error(`{{if}} without {{end}} in template ${JSON.stringify(source)}`);
        nodes.push({ kind: 'if', arg: condArg, equals, then: a.nodes, else: otherwise });
        continue;
      }
      throw new Error(`unsupported template action {{${t.action}}} in ${JSON.stringify(source)} (supported: .claim, index . "claim", if eq … else … end)`);
    }
    return { nodes, closer: undefined };
  };
  const { nodes, closer } = parseList([]);
  if (closer !== undefined) throw new Error(`unexpected {{${closer}}} in template ${JSON.stringify(source)}`);
  return { source, keys: [...keys], render: (data) => renderNodes(nodes, data) };
}

function lookup(data: ReadonlyMap<string, string>, key: string): string {
  const v = data.get(key);
  if (v === undefined) throw new MissingTemplateValue(key);
  return v;
}

function renderNodes(nodes: readonly Node[], data: ReadonlyMap<string, string>): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'value') out += lookup(data, n.arg.key);
    else out += renderNodes(lookup(data, n.arg.key) === n.equals ? n.then : n.else, data);
  }
  return out;
}
