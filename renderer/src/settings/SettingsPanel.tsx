import {
  CRF,
  DEVICE_LABELS,
  DEVICES,
  ENCODER_CHOICES,
  ENCODER_LABELS,
  PROVIDER_LABELS,
  RENDER_FACTOR_FALLBACK,
  SATURATION,
  SATURATION_SLIDER_MAX,
  SOFTWARE_ENCODER,
  STABILIZE_LABELS,
  STABILIZE_STRENGTHS,
  VIDEO_CODEC_LABELS,
  VIDEO_CODECS,
} from '../../../electron/common/options.js';
import type {
  DeviceChoice,
  EncoderChoice,
  ExecutionProvider,
  ModelInfo,
  StabilizeStrength,
  VideoCodec,
} from '../../../electron/common/types.js';
import type { Settings } from './use-settings.js';

export interface SettingsPanelProps {
  settings: Settings;
  onChange(change: Partial<Settings>): void;
  models: ModelInfo[];
  /** The provider the last preview or render actually ran on, else the one the engine loaded the model with. */
  provider: ExecutionProvider | null;
}

const SOFTWARE = new Set<EncoderChoice>(Object.values(SOFTWARE_ENCODER));

/** The encoders offered with `codec`: the other codec's software encoder is left out. */
function encodersFor(codec: VideoCodec): EncoderChoice[] {
  return ENCODER_CHOICES.filter((encoder) => !SOFTWARE.has(encoder) || encoder === SOFTWARE_ENCODER[codec]);
}

/** The model the engine will use: the chosen one, or its pick for the device. */
function effectiveModel(settings: Settings, models: ModelInfo[]): ModelInfo | undefined {
  if (settings.model) return models.find((model) => model.id === settings.model);
  const wantsGpu = settings.device !== 'cpu' && settings.device !== 'auto';
  return (
    models.find((model) => model.preferredFor === (wantsGpu ? 'gpu' : 'cpu')) ??
    models.find((model) => model.preferredFor === 'any') ??
    models[0]
  );
}

export function SettingsPanel({ settings, onChange, models, provider }: SettingsPanelProps) {
  const model = effectiveModel(settings, models);
  const range = model?.renderFactor ?? RENDER_FACTOR_FALLBACK;
  const renderFactor = settings.renderFactor ?? range.default;
  const fellBack = provider === 'cpu' && settings.device !== 'auto' && settings.device !== 'cpu';

  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="field">
        <label htmlFor="setting-model">Model</label>
        <select id="setting-model" value={settings.model} onChange={(event) => onChange({ model: event.target.value, renderFactor: null })}>
          <option value="">Automatic{model && !settings.model ? ` (${model.name})` : ''}</option>
          {models.map((entry) => (
            <option key={entry.id} value={entry.id}>
              {entry.name} {entry.version}
            </option>
          ))}
        </select>
        {model?.description && <p className="field-note">{model.description}</p>}
      </div>

      <div className="field">
        <label htmlFor="setting-render-factor">
          Render factor <output htmlFor="setting-render-factor">{renderFactor}</output>
        </label>
        <div className="field-row">
          <input
            id="setting-render-factor"
            type="range"
            min={range.min}
            max={range.max}
            step={1}
            value={renderFactor}
            onChange={(event) => onChange({ renderFactor: Number(event.target.value) })}
          />
          <button
            type="button"
            className="button button-small"
            disabled={settings.renderFactor === null}
            onClick={() => onChange({ renderFactor: null })}
          >
            Default
          </button>
        </div>
        <p className="field-note">
          Higher sees more detail and takes longer; the model sees about {renderFactor * 16}×{renderFactor * 16} pixels.
        </p>
      </div>

      <div className="field">
        <label htmlFor="setting-device">Device</label>
        <select id="setting-device" value={settings.device} onChange={(event) => onChange({ device: event.target.value as DeviceChoice })}>
          {DEVICES.map((device) => (
            <option key={device} value={device}>
              {DEVICE_LABELS[device]}
            </option>
          ))}
        </select>
        <p className="field-note" data-testid="provider-used">
          {provider ? `Running on: ${PROVIDER_LABELS[provider]}` : 'Runs on: shown once the model has loaded'}
        </p>
        {fellBack && (
          <p className="notice notice-warning" role="status">
            {DEVICE_LABELS[settings.device]} could not be used here, so ChromaReel fell back to the CPU; it works, only more slowly.
          </p>
        )}
      </div>

      <div className="field field-inline">
        <input
          id="setting-deinterlace"
          type="checkbox"
          checked={settings.deinterlace}
          onChange={(event) => onChange({ deinterlace: event.target.checked })}
        />
        <label htmlFor="setting-deinterlace">Deinterlace interlaced films</label>
      </div>

      <div className="field">
        <label htmlFor="setting-stabilize">Colour stabilization</label>
        <select
          id="setting-stabilize"
          value={settings.stabilize}
          onChange={(event) => onChange({ stabilize: event.target.value as StabilizeStrength })}
        >
          {STABILIZE_STRENGTHS.map((strength) => (
            <option key={strength} value={strength}>
              {STABILIZE_LABELS[strength]}
            </option>
          ))}
        </select>
      </div>

      <div className="field">
        <label htmlFor="setting-saturation">
          Colour strength <output htmlFor="setting-saturation">{Math.round(settings.saturation * 100)}%</output>
        </label>
        <input
          id="setting-saturation"
          type="range"
          min={SATURATION.min}
          max={SATURATION_SLIDER_MAX}
          step={0.05}
          value={settings.saturation}
          onChange={(event) => onChange({ saturation: Number(event.target.value) })}
        />
      </div>

      <div className="field-pair">
        <div className="field">
          <label htmlFor="setting-codec">Output codec</label>
          <select
            id="setting-codec"
            value={settings.codec}
            onChange={(event) => {
              const codec = event.target.value as VideoCodec;
              // The software encoder follows the codec (x264 writes H.264, x265 H.265).
              onChange(SOFTWARE.has(settings.encoder) ? { codec, encoder: SOFTWARE_ENCODER[codec] } : { codec });
            }}
          >
            {VIDEO_CODECS.map((codec) => (
              <option key={codec} value={codec}>
                {VIDEO_CODEC_LABELS[codec]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="setting-crf">Quality (CRF)</label>
          <input
            id="setting-crf"
            type="number"
            min={CRF.min}
            max={CRF.max}
            step={1}
            value={settings.crf}
            onChange={(event) => {
              const value = Math.round(Number(event.target.value));
              if (Number.isFinite(value)) onChange({ crf: Math.min(CRF.max, Math.max(CRF.min, value)) });
            }}
          />
        </div>
      </div>
      <p className="field-note">Lower CRF keeps more detail in bigger files; 18 looks the same as the source to most eyes.</p>

      <div className="field">
        <label htmlFor="setting-encoder">Video encoder</label>
        <select
          id="setting-encoder"
          value={settings.encoder}
          onChange={(event) => onChange({ encoder: event.target.value as EncoderChoice })}
        >
          {encodersFor(settings.codec).map((encoder) => (
            <option key={encoder} value={encoder}>
              {ENCODER_LABELS[encoder]}
            </option>
          ))}
        </select>
      </div>
      <p className="field-note">
        A hardware encoder is tried with a one-second test first; where it does not work, the render uses the CPU and says so.
      </p>
    </section>
  );
}
