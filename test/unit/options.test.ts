// Every option is defined once, as data, in electron/common/options.ts. These checks hold the doors
// to it: the host's zod schemas, the CLI's flags and help, the app's settings panel, the engine's
// defaults and the README's command-line summary all say the same lists, bounds and defaults.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  COLORIZE_DEFAULTS,
  CRF,
  DEVICE_LABELS,
  DEVICES,
  ENCODER_CHOICES,
  ENCODER_LABELS,
  OUTPUT_DEFAULTS,
  PHOTO_EXTENSIONS,
  RENDER_FACTOR,
  SATURATION,
  SOFTWARE_ENCODER,
  STABILIZE_STRENGTHS,
  VIDEO_CODECS,
} from '../../electron/common/options.js';
import { resolveColorizeOptions } from '../../electron/engine/colorize-options.js';
import { imageFormatFor } from '../../electron/engine/media/image.js';
import { jobSpecSchema, prepareRequestSchema, previewRequestSchema } from '../../electron/host/schemas.js';
import { SettingsPanel } from '../../renderer/src/settings/SettingsPanel.js';
import type { Settings } from '../../renderer/src/settings/use-settings.js';
import { repoRoot, runCli } from '../helpers/render.js';

const preview = (options: Record<string, unknown>) => previewRequestSchema.safeParse({ input: '/films/a.mp4', at: 0, ...options }).success;
const job = (options: Record<string, unknown>) =>
  jobSpecSchema.safeParse({ input: '/films/a.mp4', output: '/films/b.mp4', options }).success;

describe('options are defined once', () => {
  it('the host schemas accept exactly the listed values and bounds', () => {
    for (const device of DEVICES) expect(preview({ device }) && prepareRequestSchema.safeParse({ device }).success, device).toBe(true);
    for (const stabilize of STABILIZE_STRENGTHS) expect(preview({ stabilize }), stabilize).toBe(true);
    for (const codec of VIDEO_CODECS) expect(job({ codec }), codec).toBe(true);
    for (const encoder of ENCODER_CHOICES) expect(job({ encoder }), encoder).toBe(true);
    expect(job({ encoder: 'libx264' })).toBe(false);
    expect(preview({ device: 'tpu' })).toBe(false);
    expect(preview({ stabilize: 'max' })).toBe(false);
    expect(job({ codec: 'vp9' })).toBe(false);
    for (const [name, bounds, accept] of [
      ['renderFactor', RENDER_FACTOR, preview],
      ['saturation', SATURATION, preview],
      ['crf', CRF, job],
    ] as const) {
      expect(accept({ [name]: bounds.min }) && accept({ [name]: bounds.max }), name).toBe(true);
      expect(accept({ [name]: bounds.min - 1 }) || accept({ [name]: bounds.max + 1 }), name).toBe(false);
    }
  });

  it('the engine fills in the listed defaults', () => {
    const resolved = resolveColorizeOptions({});
    expect(resolved).toMatchObject(COLORIZE_DEFAULTS);
    expect(resolveColorizeOptions({}, { renderFactor: { default: 16 } }).renderFactor).toBe(16);
    expect(resolveColorizeOptions({ renderFactor: 20, stabilize: 'off' }, { renderFactor: { default: 16 } })).toMatchObject({
      renderFactor: 20,
      stabilize: 'off',
    });
  });

  it('every photo ending the CLI treats as a photo can be written', () => {
    for (const extension of PHOTO_EXTENSIONS) expect(() => imageFormatFor(`photo${extension}`), extension).not.toThrow();
  });

  it("the CLI's help lists the same choices, bounds and defaults", async () => {
    const { stdout, code } = await runCli(['colorize', '--help']);
    expect(code).toBe(0);
    const help = stdout.replace(/\s+/g, ' ');
    const choices = (values: readonly string[], fallback: string) =>
      `(choices: ${values.map((v) => `"${v}"`).join(', ')}, default: "${fallback}")`;
    expect(help).toContain(choices(DEVICES, COLORIZE_DEFAULTS.device));
    expect(help).toContain(choices(STABILIZE_STRENGTHS, COLORIZE_DEFAULTS.stabilize));
    expect(help).toContain(choices(VIDEO_CODECS, OUTPUT_DEFAULTS.codec));
    expect(help).toContain(`(choices: ${ENCODER_CHOICES.map((v) => `"${v}"`).join(', ')})`);
    expect(help).toContain(`(${RENDER_FACTOR.min}-${RENDER_FACTOR.max}, default: the model's own)`);
    expect(help).toContain(`(${SATURATION.min}-${SATURATION.max}, default ${SATURATION.default})`);
    expect(help).toContain(`(${CRF.min}-${CRF.max}, default ${OUTPUT_DEFAULTS.crf})`);
    expect(help).toContain(`default ${OUTPUT_DEFAULTS.preset})`);
    expect(help).toContain(`(default ${OUTPUT_DEFAULTS.segmentSeconds})`);
  });

  it('the settings panel offers the same devices, strengths and codecs', () => {
    const settings: Settings = {
      model: '',
      renderFactor: null,
      ...COLORIZE_DEFAULTS,
      codec: OUTPUT_DEFAULTS.codec,
      encoder: SOFTWARE_ENCODER[OUTPUT_DEFAULTS.codec],
      crf: OUTPUT_DEFAULTS.crf,
    };
    const html = renderToStaticMarkup(createElement(SettingsPanel, { settings, onChange: () => undefined, models: [], provider: null }));
    const optionsOf = (id: string) =>
      [...(html.match(new RegExp(`<select id="${id}"[^>]*>(.*?)</select>`))?.[1] ?? '').matchAll(/<option value="([^"]*)"/g)].map(
        (m) => m[1],
      );
    expect(optionsOf('setting-device')).toEqual([...DEVICES]);
    expect(optionsOf('setting-stabilize')).toEqual([...STABILIZE_STRENGTHS]);
    expect(optionsOf('setting-codec')).toEqual([...VIDEO_CODECS]);
    // The software encoder shown is the codec's own (x264 for H.264); every hardware encoder is offered.
    expect(optionsOf('setting-encoder')).toEqual(ENCODER_CHOICES.filter((e) => e !== 'x265'));
    for (const encoder of ENCODER_CHOICES.filter((e) => e !== 'x265')) expect(html).toContain(ENCODER_LABELS[encoder]);
    for (const device of DEVICES) expect(html).toContain(DEVICE_LABELS[device].replace(/&/g, '&amp;'));
    expect(html).toMatch(new RegExp(`id="setting-crf"[^>]*min="${CRF.min}"[^>]*max="${CRF.max}"`));
  });

  it("the README's command-line summary says the same", () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const line = (flag: string) => readme.split('\n').find((text) => text.trimStart().startsWith(flag)) ?? '';
    expect(line('--device')).toMatch(new RegExp(`${DEVICES.join(' \\| ')}\\s+\\(default ${COLORIZE_DEFAULTS.device}\\)`));
    expect(line('--stabilize')).toMatch(new RegExp(`${STABILIZE_STRENGTHS.join(' \\| ')}\\s+\\(default ${COLORIZE_DEFAULTS.stabilize}\\)`));
    expect(line('--codec')).toContain(`--codec ${VIDEO_CODECS.join('|')}`);
    expect(line('--codec')).toContain(
      `(default ${OUTPUT_DEFAULTS.codec}, CRF ${OUTPUT_DEFAULTS.crf} of ${CRF.min}–${CRF.max}, ${OUTPUT_DEFAULTS.preset})`,
    );
    expect(line('--encoder')).toContain(`--encoder <e>              ${ENCODER_CHOICES.join(' | ')}`);
    expect(line('--render-factor')).toContain(`(${RENDER_FACTOR.min}–${RENDER_FACTOR.max}, default the model's own;`);
    expect(line('--saturation')).toContain(`(${SATURATION.min}–${SATURATION.max}, default ${SATURATION.default})`);
    expect(line('--segment-seconds')).toContain(`(default ${OUTPUT_DEFAULTS.segmentSeconds} s)`);
  });
});
