// The one place colourize settings get their defaults (the values themselves are data in
// electron/common/options.ts): previews, renders and photos all read their settings through here.
import { COLORIZE_DEFAULTS } from '../common/options.js';
import type { ColorizeOptions, DeviceChoice, HintsDocument, StabilizeStrength } from '../common/types.js';

export interface ResolvedColorizeOptions {
  /** A model id or folder; undefined = the engine's pick for the device. */
  model: string | undefined;
  device: DeviceChoice;
  stabilize: StabilizeStrength;
  deinterlace: boolean;
  saturation: number;
  hints: HintsDocument | undefined;
  /** The model's own default unless one was asked for (known once the model is). */
  renderFactor: number | undefined;
}

/** The settings with every default filled in; with the model's manifest, the render factor too. */
export function resolveColorizeOptions(options: ColorizeOptions): ResolvedColorizeOptions;
export function resolveColorizeOptions(
  options: ColorizeOptions,
  model: { renderFactor: { default: number } },
): ResolvedColorizeOptions & { renderFactor: number };
export function resolveColorizeOptions(options: ColorizeOptions, model?: { renderFactor: { default: number } }): ResolvedColorizeOptions {
  return {
    model: options.model,
    device: options.device ?? COLORIZE_DEFAULTS.device,
    stabilize: options.stabilize ?? COLORIZE_DEFAULTS.stabilize,
    deinterlace: options.deinterlace ?? COLORIZE_DEFAULTS.deinterlace,
    saturation: options.saturation ?? COLORIZE_DEFAULTS.saturation,
    hints: options.hints,
    renderFactor: options.renderFactor ?? model?.renderFactor.default,
  };
}
