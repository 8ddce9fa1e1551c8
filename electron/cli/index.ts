import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createEngine, isEngineError } from '../engine/index.js';
import type { Engine } from '../engine/api.js';
import { readHintsFile } from '../engine/pins/hints-file.js';
import {
  COLORIZE_DEFAULTS,
  CRF,
  DEVICES,
  ENCODER_CHOICES,
  OUTPUT_DEFAULTS,
  PHOTO_EXTENSIONS,
  PREVIEW_FRAMES,
  RENDER_FACTOR,
  SATURATION,
  SEGMENT_SECONDS,
  STABILIZE_STRENGTHS,
  VIDEO_CODECS,
} from '../common/options.js';
import type {
  ColorizeOptions,
  DeviceChoice,
  EncoderChoice,
  MediaInfo,
  RenderEvent,
  StabilizeStrength,
  VideoCodec,
} from '../common/types.js';
import { TerminalProgress } from './progress-bar.js';
import { formatDuration, parseTime } from './timecode.js';

const PHOTO_ENDINGS = new Set<string>(PHOTO_EXTENSIONS);
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function timeArg(value: string): number {
  const seconds = parseTime(value);
  if (seconds === null) throw new InvalidArgumentError('expected seconds (e.g. 12.5) or a timecode (e.g. 1:02:03.5).');
  return seconds;
}

function intArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

function numberArg(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`expected a number from ${min} to ${max}.`);
    return n;
  };
}

interface CommonColorizeFlags {
  model?: string;
  renderFactor?: number;
  device: DeviceChoice;
  stabilize: StabilizeStrength;
  deinterlace: boolean;
  saturation?: number;
  hints?: string;
  json?: boolean;
}

interface ColorizeFlags extends CommonColorizeFlags {
  output: string;
  from?: number;
  to?: number;
  codec: VideoCodec;
  encoder?: EncoderChoice;
  crf?: number;
  preset?: string;
  lossless?: boolean;
  overwrite?: boolean;
  workDir?: string;
  segmentSeconds?: number;
}

/** The engine's options from the flags; a --hints file is read and checked here, before anything is written. */
async function colorizeOptionsFrom(flags: CommonColorizeFlags): Promise<ColorizeOptions> {
  return {
    ...(flags.hints !== undefined ? { hints: await readHintsFile(flags.hints) } : {}),
    model: flags.model,
    renderFactor: flags.renderFactor,
    device: flags.device,
    stabilize: flags.stabilize,
    deinterlace: flags.deinterlace,
    saturation: flags.saturation,
  };
}

function addColorizeOptions(command: Command): Command {
  return command
    .option('--model <id|path>', 'model id (see "chromareel models") or a model folder')
    .option(
      '--render-factor <n>',
      `model resolution: higher keeps finer colour detail, slower (${RENDER_FACTOR.min}-${RENDER_FACTOR.max}, default: the model's own)`,
      intArg(RENDER_FACTOR.min, RENDER_FACTOR.max),
    )
    .addOption(new Option('--device <device>', 'where the model runs').choices(DEVICES).default(COLORIZE_DEFAULTS.device))
    .addOption(
      new Option('--stabilize <level>', 'steady colour between frames').choices(STABILIZE_STRENGTHS).default(COLORIZE_DEFAULTS.stabilize),
    )
    .option('--no-deinterlace', 'keep interlaced films interlaced')
    .option(
      '--saturation <x>',
      `colour strength multiplier (${SATURATION.min}-${SATURATION.max}, default ${SATURATION.default})`,
      numberArg(SATURATION.min, SATURATION.max),
    )
    .option('--hints <file>', 'colour pins: a JSON hints file (see README, "Colour pins")')
    .option('--json', 'print one JSON line per event instead of a progress bar');
}

/** Prints engine events as a progress bar, or as JSON lines with --json. */
function eventPrinter(json: boolean): { onEvent: (event: RenderEvent) => void; done: () => void } {
  if (json) {
    return { onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`), done: () => undefined };
  }
  const bar = process.stderr.isTTY ? new TerminalProgress() : null;
  let lastLine = 0;
  return {
    onEvent: (event) => {
      if (event.type === 'progress') {
        if (bar) bar.update(event);
        // Without a terminal: a line per phase with frames to show, and one every 5 s while colourizing.
        else if (event.framesTotal > 0 && event.phase !== 'done' && (event.phase !== 'colorizing' || performance.now() - lastLine > 5000)) {
          lastLine = performance.now();
          const eta = event.etaSec === null ? '' : `, ETA ${formatDuration(event.etaSec)}`;
          process.stderr.write(`${event.phase}: ${event.framesDone}/${event.framesTotal} frames, ${event.fps.toFixed(1)} fps${eta}\n`);
        }
      } else if (event.type === 'notice') {
        const line = event.level === 'warning' ? `WARNING: ${event.message}` : event.message;
        if (bar) bar.log(line);
        else process.stderr.write(`${line}\n`);
      }
    },
    done: () => bar?.stop(),
  };
}

function describe(info: MediaInfo): string {
  const v = info.video;
  const lines = [
    `${info.path}`,
    `  duration   ${formatDuration(info.durationSec)} (${info.durationSec.toFixed(3)} s), ${v.frameCount} frames${v.frameCountExact ? '' : ' (estimated)'}`,
    `  video      ${v.codec} ${v.width}x${v.height}${v.rotation ? `, rotated ${v.rotation}°` : ''}, SAR ${v.sampleAspectRatio}, ${v.fps.toFixed(3)} fps${v.variableFrameRate ? ' (variable)' : ''}`,
    `             ${v.pixelFormat}, ${v.bitDepth}-bit, range ${v.colorRange}${v.colorMatrix ? `, ${v.colorMatrix}` : ''}, ${v.interlaced ? `interlaced (${v.fieldOrder})` : 'progressive'}`,
  ];
  if (info.audio.length === 0) lines.push('  audio      none');
  for (const a of info.audio) {
    lines.push(
      `  audio #${a.index}   ${a.codec}, ${a.channels} ch, ${a.sampleRate} Hz${a.language ? `, ${a.language}` : ''}${a.mp4Compatible ? '' : ' (will be converted to AAC for MP4)'}`,
    );
  }
  for (const s of info.subtitles) lines.push(`  subtitle #${s.index} ${s.codec}${s.language ? `, ${s.language}` : ''}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupted = false;
  process.on('SIGINT', () => {
    if (interrupted) process.exit(EXIT_INTERRUPTED);
    interrupted = true;
    process.stderr.write('\nStopping… (the finished part is kept; run the same command again to resume)\n');
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());

  let engine: Engine | null = null;
  const getEngine = () => (engine ??= createEngine());
  let exitCode = 0;

  const program = new Command()
    .name('chromareel')
    .description('Colourize black-and-white films and photos.')
    .showHelpAfterError()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride();

  addColorizeOptions(
    program
      .command('colorize')
      .alias('colourize')
      .description('colourize a film to MP4 (or a photo to PNG/JPEG/TIFF/WebP)')
      .argument('<input>', 'film or photo to colourize')
      .requiredOption('-o, --output <file>', 'where to write the result')
      .option('--from <time>', 'start time (seconds or h:mm:ss.ms)', timeArg)
      .option('--to <time>', 'end time, exclusive (seconds or h:mm:ss.ms)', timeArg)
      .addOption(new Option('--codec <codec>', 'video codec').choices(VIDEO_CODECS).default(OUTPUT_DEFAULTS.codec))
      .addOption(
        new Option(
          '--encoder <name>',
          "video encoder: auto tries this machine's hardware encoders (a trial encode, cached) and falls back to the CPU (default: x264, or x265 for --codec h265)",
        ).choices(ENCODER_CHOICES),
      )
      .option(
        '--crf <n>',
        `quality: lower is better and bigger (${CRF.min}-${CRF.max}, default ${OUTPUT_DEFAULTS.crf})`,
        intArg(CRF.min, CRF.max),
      )
      .option('--preset <name>', `encoder speed/size trade-off (ultrafast … veryslow, default ${OUTPUT_DEFAULTS.preset})`)
      .option('--lossless', 'lossless video (large files)')
      .option('--overwrite', 'replace the output if it exists')
      .option('--work-dir <dir>', 'folder for resumable segments (default: hidden folder beside the output)')
      .option(
        '--segment-seconds <s>',
        `seconds per resumable segment (default ${OUTPUT_DEFAULTS.segmentSeconds})`,
        numberArg(SEGMENT_SECONDS.min, SEGMENT_SECONDS.max),
      ),
  ).action(async (input: string, flags: ColorizeFlags, command: Command) => {
    const printer = eventPrinter(Boolean(flags.json));
    try {
      const common = await colorizeOptionsFrom(flags);
      if (PHOTO_ENDINGS.has(path.extname(input).toLowerCase())) {
        const result = await getEngine().colorizePhoto(
          { ...common, input, output: flags.output, overwrite: flags.overwrite },
          printer.onEvent,
          controller.signal,
        );
        printer.done();
        if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
        else
          process.stderr.write(`Wrote ${result.output} (${result.width}x${result.height}, model ${result.model} on ${result.provider}).\n`);
        return;
      }
      const result = await getEngine().render(
        {
          ...common,
          input,
          output: flags.output,
          from: flags.from,
          to: flags.to,
          // The codec's default gives way to the encoder's own (--encoder x265 writes H.265).
          codec: command.getOptionValueSource('codec') === 'default' ? undefined : flags.codec,
          encoder: flags.encoder,
          crf: flags.crf,
          preset: flags.preset,
          lossless: flags.lossless,
          overwrite: flags.overwrite,
          workDir: flags.workDir,
          segmentSeconds: flags.segmentSeconds,
        },
        printer.onEvent,
        controller.signal,
      );
      printer.done();
      if (flags.json) process.stdout.write(`${JSON.stringify({ type: 'result', ...result })}\n`);
      else {
        const speed = result.elapsedSec > 0 ? ` at ${(result.frames / result.elapsedSec).toFixed(1)} fps` : '';
        process.stderr.write(
          `Wrote ${result.output}: ${result.frames} frames (${formatDuration(result.durationSec)}) in ${formatDuration(result.elapsedSec)}${speed}, model ${result.model} on ${result.provider}.\n`,
        );
      }
    } finally {
      printer.done();
    }
  });

  program
    .command('probe')
    .description('describe a film: duration, frames, frame rate, size, audio and subtitle streams')
    .argument('<input>')
    .option('--json', 'print the full description as JSON')
    .action(async (input: string, flags: { json?: boolean }) => {
      const info = await getEngine().probe(input, controller.signal);
      process.stdout.write(flags.json ? `${JSON.stringify(info, null, 2)}\n` : `${describe(info)}\n`);
    });

  addColorizeOptions(
    program
      .command('preview')
      .description('colourize a few frames and write before/after PNGs')
      .argument('<input>')
      .requiredOption('--at <time>', 'where to start (seconds or h:mm:ss.ms)', timeArg)
      .option('--frames <n>', 'how many frames', intArg(PREVIEW_FRAMES.min, PREVIEW_FRAMES.max), 1)
      .requiredOption('--out <dir>', 'folder for the PNGs'),
  ).action(async (input: string, flags: CommonColorizeFlags & { at: number; frames: number; out: string }) => {
    const common = await colorizeOptionsFrom(flags);
    await mkdir(flags.out, { recursive: true });
    let written = 0;
    for await (const frame of getEngine().preview(
      { ...common, input, at: flags.at, frames: flags.frames, maxSize: 4096, format: 'png' },
      controller.signal,
    )) {
      const stem = `frame-${String(frame.frame).padStart(6, '0')}`;
      const ext = frame.mime === 'image/png' ? 'png' : 'jpg';
      await writeFile(path.join(flags.out, `${stem}-before.${ext}`), frame.before);
      await writeFile(path.join(flags.out, `${stem}-after.${ext}`), frame.after);
      written++;
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({ type: 'preview-frame', frame: frame.frame, timeSec: frame.timeSec, provider: frame.provider })}\n`,
        );
    }
    if (!flags.json) process.stderr.write(`Wrote ${written} before/after pair(s) to ${flags.out}.\n`);
  });

  program
    .command('models')
    .description('list the installed colourization models')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }) => {
      const models = await getEngine().listModels();
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(models, null, 2)}\n`);
        return;
      }
      if (models.length === 0) process.stdout.write('No models found.\n');
      for (const m of models) {
        process.stdout.write(
          `${m.id.padEnd(12)} ${m.name} v${m.version} (${m.contract}, for ${m.preferredFor}, render factor ${m.renderFactor.default})\n`,
        );
      }
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (
      error &&
      typeof error === 'object' &&
      'exitCode' in error &&
      'code' in error &&
      String((error as { code: string }).code).startsWith('commander.')
    ) {
      const code = (error as { exitCode: number }).exitCode;
      exitCode = code === 0 ? 0 : EXIT_USAGE;
    } else if (isEngineError(error)) {
      // With --json the outcome is a JSON line too, so a program reading stdout sees why it ended.
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ type: 'error', code: error.code, message: error.message })}\n`);
      if (error.code === 'cancelled') {
        process.stderr.write(`${error.message}\n`);
        exitCode = EXIT_INTERRUPTED;
      } else {
        process.stderr.write(`Error: ${error.message}\n`);
        if (process.env.CHROMAREEL_DEBUG && error.detail) process.stderr.write(`${error.detail}\n`);
        exitCode = EXIT_FAILURE;
      }
    } else {
      // Not one of the engine's own errors: still one line, the stack only when asked for.
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(
        `Error: something unexpected went wrong (${message}); run again with CHROMAREEL_DEBUG=1 for details and report it.\n`,
      );
      if (process.env.CHROMAREEL_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      exitCode = EXIT_FAILURE;
    }
  } finally {
    const active = engine as Engine | null;
    await active?.close().catch(() => undefined);
  }
  return exitCode;
}

process.exitCode = await main(process.argv);
