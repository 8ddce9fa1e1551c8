import { useCallback, useState } from 'react';
import type { DeviceChoice, StabilizeStrength } from '../../../electron/common/types.js';

export interface Settings {
  /** '' = let the engine pick a model for the device. */
  model: string;
  /** null = the model's own default. */
  renderFactor: number | null;
  device: DeviceChoice;
  deinterlace: boolean;
  stabilize: StabilizeStrength;
  saturation: number;
  codec: 'h264' | 'h265';
  crf: number;
}

const DEFAULT_SETTINGS: Settings = {
  model: '',
  renderFactor: null,
  device: 'auto',
  deinterlace: true,
  stabilize: 'medium',
  saturation: 1,
  codec: 'h264',
  crf: 18,
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
    ...(settings.saturation !== 1 ? { saturation: settings.saturation } : {}),
  };
}
