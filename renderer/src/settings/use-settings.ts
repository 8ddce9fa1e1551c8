import { useCallback, useState } from 'react';
import { COLORIZE_DEFAULTS, OUTPUT_DEFAULTS, SOFTWARE_ENCODER } from '../../../electron/common/options.js';
import type { DeviceChoice, EncoderChoice, StabilizeStrength, VideoCodec } from '../../../electron/common/types.js';

export interface Settings {
  /** '' = let the engine pick a model for the device. */
  model: string;
  /** null = the model's own default. */
  renderFactor: number | null;
  device: DeviceChoice;
  deinterlace: boolean;
  stabilize: StabilizeStrength;
  saturation: number;
  codec: VideoCodec;
  /** x264/x265 follow the codec; see SettingsPanel. */
  encoder: EncoderChoice;
  crf: number;
}

const DEFAULT_SETTINGS: Settings = {
  model: '',
  renderFactor: null,
  device: COLORIZE_DEFAULTS.device,
  deinterlace: COLORIZE_DEFAULTS.deinterlace,
  stabilize: COLORIZE_DEFAULTS.stabilize,
  saturation: COLORIZE_DEFAULTS.saturation,
  codec: OUTPUT_DEFAULTS.codec,
  encoder: SOFTWARE_ENCODER[OUTPUT_DEFAULTS.codec],
  crf: OUTPUT_DEFAULTS.crf,
};

const STORAGE_KEY = 'chromareel.settings.v1';

function load(): Settings {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Settings> | null;
    return { ...DEFAULT_SETTINGS, ...(stored && typeof stored === 'object' ? stored : {}) };
  } catch {
    return DEFAULT_SETTINGS;
  }
}

/** Settings the person chose, remembered between sessions. */
export function useSettings(): [Settings, (change: Partial<Settings>) => void] {
  const [settings, setSettings] = useState<Settings>(load);
  const update = useCallback((change: Partial<Settings>) => {
    setSettings((current) => {
      const next = { ...current, ...change };
      try {
        localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
      } catch {
        // Storage may be full or disabled; the settings still apply to this session.
      }
      return next;
    });
  }, []);
  return [settings, update];
}

/** The options preview and render take, from the settings. */
export function colorizeOptionsOf(settings: Settings) {
  return {
    ...(settings.model ? { model: settings.model } : {}),
    ...(settings.renderFactor !== null ? { renderFactor: settings.renderFactor } : {}),
    device: settings.device,
    deinterlace: settings.deinterlace,
    stabilize: settings.stabilize,
    ...(settings.saturation !== COLORIZE_DEFAULTS.saturation ? { saturation: settings.saturation } : {}),
  };
}
