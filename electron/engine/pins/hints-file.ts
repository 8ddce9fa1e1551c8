// The hints file: colour pins a person puts on a film or photo, shared by the CLI, the app and the
// tests. Versioned JSON, checked here and nowhere else:
//
//   {"version": 1, "pins": [{"t": 12.4, "x": 0.31, "y": 0.62, "color": "#b22222"}]}
//
// t: seconds into the film (left out for a photo; a film pin without t sits at 0 s). x, y: fractions
// (0–1) of the picture as displayed (after rotation and non-square pixels), origin top left.
// color: sRGB hex. A bad file gets one plain sentence naming the problem.
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { EngineError } from '../errors.js';
import type { HintsDocument } from '../../common/types.js';

const HINTS_VERSION = 1;
/** Most pins one file may hold. */
const MAX_PINS = 1000;
/** Largest hints file read, in bytes. */
export const MAX_HINTS_BYTES = 1024 * 1024;

/** A type error's message, or "is missing" when the field is absent. */
const expected = (message: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is missing' : message);

const fraction = z
  .number({ error: expected('must be a number from 0 to 1 (a fraction of the picture)') })
  .min(0)
  .max(1);

const pinSchema = z.strictObject({
  t: z
    .number({ error: expected('must be a number of seconds') })
    .min(0)
    .max(1e7)
    .optional(),
  x: fraction,
  y: fraction,
  color: z.string({ error: expected('must be a colour like #b22222') }).regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #b22222'),
});

const hintsSchema = z.strictObject({
  version: z.literal(HINTS_VERSION, { error: expected(`must be ${HINTS_VERSION}`) }),
  pins: z.array(pinSchema, { error: expected('must be a list of pins') }).max(MAX_PINS, `must hold at most ${MAX_PINS} pins`),
});

function fieldName(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length > 0 ? `${fieldName(issue.path)} has` : 'the file has';
    return `${where} an unknown field "${issue.keys[0]}"`;
  }
  const field = issue.path.length > 0 ? fieldName(issue.path) : 'the file';
  if (issue.code === 'too_small' || issue.code === 'too_big') {
    if (issue.path.at(-1) === 'x' || issue.path.at(-1) === 'y') return `${field} must be a number from 0 to 1 (a fraction of the picture)`;
  }
  return `${field} ${issue.message}`;
}

/** A hints document that fails the check ('bad-option'); `problem` is the first problem on its own, for callers that word their own sentence. */
export class HintsError extends EngineError {
  constructor(
    readonly problem: string,
    message: string,
    detail?: string,
  ) {
    super('bad-option', message, detail);
  }
}

/**
 * Checks a parsed hints document; throws one plain sentence naming the first problem: `source` is
 * what the sentence calls the document, `advice` what it tells the person to do ('' for nothing).
 */
export function validateHints(json: unknown, source = 'The hints file', advice = 'fix the file'): HintsDocument {
  const sentence = (text: string) => `${text}${advice ? `; ${advice}` : ''}.`;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    const problem = `${source} must hold a JSON object like {"version": 1, "pins": […]}`;
    throw new HintsError(problem, sentence(problem));
  }
  const parsed = hintsSchema.safeParse(json);
  if (!parsed.success) {
    const problem = describeIssue(parsed.error.issues[0]);
    throw new HintsError(problem, sentence(`${source} is not valid: ${problem}`), parsed.error.issues.map(describeIssue).join('\n'));
  }
  return {
    version: 1,
    pins: parsed.data.pins.map((p) => ({ ...(p.t === undefined ? {} : { t: p.t }), x: p.x, y: p.y, color: p.color.toLowerCase() })),
  };
}

/** Parses and checks the text of a hints file. */
export function parseHints(text: string, source = 'The hints file'): HintsDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EngineError('bad-option', `${source} is not valid JSON (${(error as Error).message.split('\n')[0]}); fix the file.`);
  }
  return validateHints(json, source);
}

/** Reads a hints file from disk (at most MAX_HINTS_BYTES), parses and checks it. */
export async function readHintsFile(file: string): Promise<HintsDocument> {
  const source = `The hints file ${file}`;
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new EngineError('bad-option', `The hints file ${file} does not exist; check the path.`);
    throw new EngineError(
      'bad-option',
      `Cannot read the hints file ${file} (${code ?? String(error)}); check the path and its permissions.`,
    );
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new EngineError('bad-option', `${source} is not a file; give the path of a .json hints file.`);
    if (stats.size > MAX_HINTS_BYTES) {
      throw new EngineError(
        'bad-option',
        `${source} is larger than ${MAX_HINTS_BYTES / 1024 / 1024} MiB; a hints file holds at most ${MAX_PINS} pins.`,
      );
    }
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_HINTS_BYTES) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_HINTS_BYTES) {
      throw new EngineError(
        'bad-option',
        `${source} is larger than ${MAX_HINTS_BYTES / 1024 / 1024} MiB; a hints file holds at most ${MAX_PINS} pins.`,
      );
    }
    return parseHints(buffer.subarray(0, bytesRead).toString('utf8'), source);
  } finally {
    await handle.close();
  }
}

/** The canonical text of a checked document (fixed key order, lower-case colours). */
export function canonicalHints(doc: HintsDocument): string {
  return JSON.stringify({ version: doc.version, pins: doc.pins.map((p) => [p.t ?? null, p.x, p.y, p.color.toLowerCase()]) });
}

/** sha256 of the canonical content: what a job's fingerprint holds, so resumed renders never mix pins. */
export function hintsDigest(doc: HintsDocument): string {
  return createHash('sha256').update(canonicalHints(doc)).digest('hex');
}
