// Every option a person can set, defined once as data. The engine's defaults, the host's zod schemas,
// the CLI's flags and help, the app's settings panel and the docs are derived from these lists
// (test/unit/options.test.ts checks that they agree). Plain data: no Node, no DOM.

/** Where the model runs. 'auto' tries CUDA, DirectML, Core ML, then the CPU (README, "GPU providers"). */
export const DEVICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type DeviceChoice = (typeof DEVICES)[number];
/** The providers a model can actually run on: every device but 'auto'. */
export type ExecutionProvider = Exclude<DeviceChoice, 'auto'>;

/** How the settings panel names each device. */
export const DEVICE_LABELS: Record<DeviceChoice, string> = {
  auto: 'Automatic',
  cpu: 'CPU',
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'GPU (DirectML, Windows)',
  coreml: 'Apple Neural Engine / GPU (Core ML)',
  webgpu: 'GPU (WebGPU)',
};

/** How the app names the provider a preview or render ran on. */
export const PROVIDER_LABELS: Record<ExecutionProvider, string> = {
  cpu: 'CPU',
  cuda: 'NVIDIA GPU (CUDA)',
  dml: 'GPU (DirectML)',
  coreml: 'Core ML',
  webgpu: 'GPU (WebGPU)',
};

/** How strongly the stabilizer steadies colour between frames. */
export const STABILIZE_STRENGTHS = ['off', 'low', 'medium', 'high'] as const;
export type StabilizeStrength = (typeof STABILIZE_STRENGTHS)[number];

export const STABILIZE_LABELS: Record<StabilizeStrength, string> = { off: 'Off', low: 'Low', medium: 'Medium', high: 'High' };

/** Video codecs an MP4 output can have. */
export const VIDEO_CODECS = ['h264', 'h265'] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

export const VIDEO_CODEC_LABELS: Record<VideoCodec, string> = { h264: 'H.264 (plays everywhere)', h265: 'H.265 (smaller files)' };

/** Video encoders a render may use: auto tries this machine's hardware encoders, else x264/x265. */
export const ENCODER_CHOICES = ['auto', 'x264', 'x265', 'nvenc', 'vaapi', 'qsv', 'videotoolbox', 'amf'] as const;
export type EncoderChoice = (typeof ENCODER_CHOICES)[number];

/** How the settings panel names each encoder. x264/x265 are the software encoders of H.264/H.265. */
export const ENCODER_LABELS: Record<EncoderChoice, string> = {
  auto: 'Automatic (hardware when it works here)',
  x264: 'CPU (x264)',
  x265: 'CPU (x265)',
  nvenc: 'NVIDIA (NVENC)',
  vaapi: 'Linux GPU (VA-API)',
  qsv: 'Intel (Quick Sync)',
  videotoolbox: 'Apple (VideoToolbox)',
  amf: 'AMD (AMF)',
};

/** The software encoder of each codec: what renders use unless another encoder is chosen. */
export const SOFTWARE_ENCODER = { h264: 'x264', h265: 'x265' } as const satisfies Record<VideoCodec, EncoderChoice>;

/** Image encodings of preview frames. */
export const PREVIEW_FORMATS = ['jpeg', 'png'] as const;
export type PreviewFormat = (typeof PREVIEW_FORMATS)[number];

/** Numeric options: the bounds every door accepts, and the default where the option has one of its own. */
export const RENDER_FACTOR = { min: 4, max: 64 } as const;
/** The settings panel's render-factor slider before the model list has arrived (a typical model's range). */
export const RENDER_FACTOR_FALLBACK = { min: 8, max: 40, default: 16 } as const;
export const SATURATION = { min: 0, max: 4, default: 1 } as const;
/** The settings panel's colour-strength slider stops at 2×; the CLI and the host accept up to SATURATION.max. */
export const SATURATION_SLIDER_MAX = 2;
export const CRF = { min: 0, max: 51, default: 18 } as const;
export const SEGMENT_SECONDS = { min: 0.1, max: 600, default: 4 } as const;
export const PREVIEW_FRAMES = { min: 1, max: 600 } as const;

/** The value each colourize option takes when none is given (the model and render factor: the model's own). */
export const COLORIZE_DEFAULTS = {
  device: 'auto',
  stabilize: 'medium',
  deinterlace: true,
  saturation: SATURATION.default,
} as const satisfies { device: DeviceChoice; stabilize: StabilizeStrength; deinterlace: boolean; saturation: number };

/** The value each output option takes when none is given. */
export const OUTPUT_DEFAULTS = {
  codec: 'h264',
  crf: CRF.default,
  preset: 'medium',
  segmentSeconds: SEGMENT_SECONDS.default,
} as const satisfies { codec: VideoCodec; crf: number; preset: string; segmentSeconds: number };

/** Files the CLI colourizes as photos (by their ending); anything else is treated as a film. */
export const PHOTO_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp'] as const;

/** Film file endings the open dialog offers and the browser-mode listing shows. */
export const FILM_EXTENSIONS = [
  '.mp4',
  '.m4v',
  '.mov',
  '.mkv',
  '.webm',
  '.avi',
  '.mpg',
  '.mpeg',
  '.ts',
  '.m2ts',
  '.mts',
  '.wmv',
  '.flv',
  '.ogv',
  '.3gp',
  '.dv',
  '.mxf',
  '.vob',
] as const;
