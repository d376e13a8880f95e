/**
 * The command lines of `npm run bench:data` and `npm run bench`: `--name value` or `--name=value`
 * options and bare words (benchmark names). Unknown options are refused, so that a typo never runs
 * a long benchmark with a default the caller did not mean.
 */
export type Scale = 'city' | 'province';
export const SCALES: readonly Scale[] = ['city', 'province'];

export interface ParsedArgs {
  options: Map<string, string>;
  words: string[];
}

export function parseArgs(argv: readonly string[], known: readonly string[], flags: readonly string[] = []): ParsedArgs {
  const options = new Map<string, string>();
  const words: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const [rawName, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flags.includes(rawName)) {
      options.set(rawName, inline ?? 'true');
      continue;
    }
    if (!known.includes(rawName)) throw new Error(`unknown option --${rawName}; known: ${[...known, ...flags].map((k) => `--${k}`).join(' ')}`);
    const value = inline ?? argv[i + 1];
    if (value === undefined) throw new Error(`--${rawName} needs a value`);
    if (inline === undefined) i += 1;
    options.set(rawName, value);
  }
  return { options, words };
}

export function scaleOption(args: ParsedArgs, fallback: Scale): Scale {
  const value = args.options.get('scale') ?? fallback;
  if (!SCALES.includes(value as Scale)) throw new Error(`--scale must be one of ${SCALES.join(', ')}`);
  return value as Scale;
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min: number, max: number): number {
  const text = args.options.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer in [${min}, ${max}]`);
  return value;
}
