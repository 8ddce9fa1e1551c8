// zod schemas for every request that crosses from the page into the host. Anything that does not match
// is refused before it reaches the engine or the file system.

import { z } from 'zod';
import { validateHints } from '../engine/pins/hints-file.js';
import {
  CRF,
  DEVICES,
  ENCODER_CHOICES,
  PREVIEW_FORMATS,
  PREVIEW_FRAMES,
  RENDER_FACTOR,
  SATURATION,
  STABILIZE_STRENGTHS,
  VIDEO_CODECS,
} from '../common/options.js';
import type { HintsDocument } from '../common/types.js';

const MAX_THUMBNAILS = 64;

const filePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((value) => !value.includes('\0'), 'path contains a NUL byte');
const seconds = z
  .number()
  .finite()
  .min(0)
  .max(7 * 24 * 3600);

/** A model id from the engine's list; paths are not accepted from the page. */
const modelId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'model must be a model id');

const device = z.enum(DEVICES);

/** Marks an issue whose message is already the whole sentence to show (the hints checker's own words). */
export const SENTENCE = 'sentence';

/** Colour pins from the page: checked by the engine's own hints schema (one plain sentence per problem). */
const hintsSchema = z.unknown().transform((value, context): HintsDocument => {
  try {
    // Pins from the page are not a file: no advice to fix one.
    return validateHints(value, 'The list of colour pins', '');
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message, params: { [SENTENCE]: true } });
    return z.NEVER;
  }
});

const colorizeOptionsSchema = z.strictObject({
  model: modelId.optional(),
  renderFactor: z.number().finite().min(RENDER_FACTOR.min).max(RENDER_FACTOR.max).optional(),
  device: device.optional(),
  stabilize: z.enum(STABILIZE_STRENGTHS).optional(),
  deinterlace: z.boolean().optional(),
  saturation: z.number().finite().min(SATURATION.min).max(SATURATION.max).optional(),
  hints: hintsSchema.optional(),
});

/** Warming up the model: which model (an id, never a path) on which device; nothing else. */
export const prepareRequestSchema = z.strictObject({
  model: modelId.optional(),
  device: device.optional(),
});

export const emptyRequestSchema = z.strictObject({});

export const pathRequestSchema = z.strictObject({ path: filePath });

export const chooseOutputRequestSchema = z.strictObject({ suggestedPath: z.string().max(4096) });

export const jobIdRequestSchema = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) });

export const thumbnailsRequestSchema = z.strictObject({
  input: filePath,
  count: z.number().int().min(1).max(MAX_THUMBNAILS),
  height: z.number().int().min(24).max(360).optional(),
});

export const previewRequestSchema = colorizeOptionsSchema.extend({
  input: filePath,
  at: seconds,
  frames: z.number().int().min(PREVIEW_FRAMES.min).max(PREVIEW_FRAMES.max).optional(),
  maxSize: z.number().int().min(64).max(4096).optional(),
  format: z.enum(PREVIEW_FORMATS).optional(),
});

const jobOptionsSchema = colorizeOptionsSchema.extend({
  codec: z.enum(VIDEO_CODECS).optional(),
  encoder: z.enum(ENCODER_CHOICES).optional(),
  crf: z.number().int().min(CRF.min).max(CRF.max).optional(),
});

export const jobSpecSchema = z
  .strictObject({
    input: filePath,
    output: filePath,
    from: seconds.optional(),
    to: seconds.optional(),
    options: jobOptionsSchema,
    overwrite: z.boolean().optional(),
  })
  .refine((spec) => spec.from === undefined || spec.to === undefined || spec.from < spec.to, {
    message: 'the range must end after it starts',
  });

export const droppedFileSchema = z.strictObject({ path: filePath });

export const sceneCutsRequestSchema = z.strictObject({ input: filePath, deinterlace: z.boolean().optional() });

export const pinsLoadRequestSchema = z.strictObject({ film: filePath });

export const pinsSaveRequestSchema = z.strictObject({ film: filePath, hints: hintsSchema });

export const pinsImportRequestSchema = z.strictObject({ path: filePath });

export const pinsExportRequestSchema = z.strictObject({ path: filePath, hints: hintsSchema, overwrite: z.boolean().optional() });
