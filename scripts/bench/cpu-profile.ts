// Where the host's milliseconds go: reads a V8 .cpuprofile of the real CLI (node --cpu-prof) and
// attributes every sample to a stage of the render, by the engine source file and function it was
// taken in. The mapping is data (STAGE_RULES) so it can be read and adjusted in one place.
//
// A sample's stage is decided by walking its stack from the leaf towards the root: the first frame
// that some rule matches decides (rules are tried in order for each frame). So a Node-internal leaf
// like a socket write under SegmentEncoder.write counts as "encode write", and a leaf with no engine
// frame above it (an event-loop callback: a pipe read, an IPC message) is placed by the rules for
// Node's own modules. Bundled code (dist/cli.js) is mapped back to its TypeScript source through the
// bundle's source map before the rules see it.
import { readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STAGES = [
  'decodeRead',
  'lumaResize',
  'inference',
  'chromaMerge',
  'stabilizer',
  'encodeWrite',
  'gc',
  'pipeline',
  'startupAndOther',
] as const;
export type Stage = (typeof STAGES)[number];

export interface StageRule {
  stage: Stage;
  /** Matched against the frame's source: a repository path (electron/engine/…) or Node's URL (node:…). */
  source: RegExp;
  /** Matched against the function name, when given. */
  fn?: RegExp;
  /** Used only when no other rule matches any frame of the stack (Node internals, event-loop callbacks). */
  fallback?: boolean;
}

/** The stage of each engine file and function; first match from the leaf wins. */
export const STAGE_RULES: StageRule[] = [
  // The per-frame work around the model.
  { stage: 'lumaResize', source: /electron\/engine\/pipeline\/chroma-merge\.ts$/, fn: /downscaleLuma|lumaToUnit/ },
  { stage: 'chromaMerge', source: /electron\/engine\/pipeline\/chroma-merge\.ts$/ },
  { stage: 'lumaResize', source: /electron\/engine\/pipeline\/colorizer\.ts$/, fn: /modelLuma/ },
  { stage: 'chromaMerge', source: /electron\/engine\/pipeline\/colorizer\.ts$/, fn: /merge|encoderFrame/ },
  { stage: 'inference', source: /electron\/engine\/pipeline\/colorizer\.ts$/ },
  { stage: 'inference', source: /electron\/engine\/model\/(inference-client|launcher|protocol)\.ts$/ },
  { stage: 'inference', source: /electron\/engine\/pins\// },
  // Decoder: ffmpeg's frames read from its pipe or socket.
  { stage: 'decodeRead', source: /electron\/engine\/media\/raw-frames\.ts$/ },
  { stage: 'decodeRead', source: /electron\/engine\/media\/decode\.ts$/ },
  // Stabilizer and its kernels (motion, scene cuts).
  { stage: 'stabilizer', source: /electron\/engine\/pipeline\/(stabilize|stabilize-kernels|motion|scene-cuts)\.ts$/ },
  // Encoder: planes to ffmpeg's stdin, segments opened and closed.
  { stage: 'encodeWrite', source: /electron\/engine\/media\/(encode|encoders)\.ts$/ },
  // The render loop itself: ordering, bookkeeping, job files, progress. Not the WebAssembly kernels'
  // memory (wasm/kernels.ts): its copies belong to the stage of the kernel's caller, further up.
  { stage: 'pipeline', source: /electron\/engine\/pipeline\/(?!wasm\/)/ },
  // Node internals reached from the event loop with no engine frame above them: IPC messages from the
  // inference process, reads of ffmpeg's stdout (the decoder's is by far the largest), write callbacks.
  { stage: 'inference', source: /^node:internal\/child_process$/, fn: /onread|_send|handleMessage|emit/i, fallback: true },
  { stage: 'inference', source: /^node:internal\/child_process\/serialization$/, fallback: true },
  { stage: 'inference', source: /^node:v8$/, fallback: true },
  { stage: 'decodeRead', source: /^node:internal\/stream_base_commons$/, fn: /^onStreamRead$/, fallback: true },
  { stage: 'decodeRead', source: /^node:internal\/streams\/(readable|from)$/, fallback: true },
  {
    stage: 'encodeWrite',
    source: /^node:internal\/stream_base_commons$/,
    fn: /afterWriteDispatched|onWriteComplete|writeGeneric|writevGeneric/,
    fallback: true,
  },
  { stage: 'encodeWrite', source: /^node:internal\/streams\/writable$/, fallback: true },
];

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface StageBreakdown {
  /** Sampled milliseconds per stage (the profiler samples wall time while the thread is busy). */
  ms: Record<Stage, number>;
  /** Sampled busy milliseconds in all (everything but idle). */
  busyMs: number;
  idleMs: number;
}

/** Maps a frame's URL and position to a repository path through the bundle's source map. */
export type SourceResolver = (url: string, line: number, column: number) => string | undefined;

const sourceMaps = new Map<string, SourceMap | null>();

/** Resolves file:// frames of a bundle with a sibling .map (dist/cli.js.map) to repository paths. */
export function bundleSourceResolver(repoRoot: string): SourceResolver {
  return (url, line, column) => {
    if (!url.startsWith('file://')) return undefined;
    const file = fileURLToPath(url);
    let map = sourceMaps.get(file);
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMapPayload);
      } catch {
        map = null;
      }
      sourceMaps.set(file, map);
    }
    if (!map) return path.relative(repoRoot, file);
    const entry = map.findEntry(line, column) as { originalSource?: string };
    if (!entry.originalSource) return path.relative(repoRoot, file);
    const original = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : path.resolve(path.dirname(file), entry.originalSource);
    return path.relative(repoRoot, original).split(path.sep).join('/');
  };
}

function ruleFor(source: string, fn: string, rules: StageRule[]): Stage | undefined {
  for (const rule of rules) {
    if (rule.source.test(source) && (!rule.fn || rule.fn.test(fn))) return rule.stage;
  }
  return undefined;
}

/** Attributes the profile's samples to stages (see STAGE_RULES). */
export function attributeProfile(
  profile: CpuProfile,
  resolve: SourceResolver = () => undefined,
  rules: StageRule[] = STAGE_RULES,
): StageBreakdown {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const primary = rules.filter((rule) => !rule.fallback);
  const fallback = rules.filter((rule) => rule.fallback);
  const stageOf = new Map<number, Stage | 'idle'>();
  const classify = (id: number): Stage | 'idle' => {
    const known = stageOf.get(id);
    if (known) return known;
    const leaf = byId.get(id)!.callFrame.functionName;
    let stage: Stage | 'idle' | undefined;
    if (leaf === '(idle)') stage = 'idle';
    else if (leaf === '(garbage collector)') stage = 'gc';
    else {
      // Engine rules anywhere on the stack first; Node's internals only when no engine frame decides.
      for (const pass of [primary, fallback]) {
        for (let at: number | undefined = id; at !== undefined && !stage; at = parent.get(at)) {
          const { url, lineNumber, columnNumber, functionName } = byId.get(at)!.callFrame;
          if (!url) continue;
          stage = ruleFor(resolve(url, lineNumber, columnNumber) ?? url, functionName, pass);
        }
        if (stage) break;
      }
    }
    stage ??= 'startupAndOther';
    stageOf.set(id, stage);
    return stage;
  };

  const ms = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  let idleMs = 0;
  // timeDeltas[i] is the time since the previous sample: the time sample i-1 stood for.
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const stage = classify(profile.samples[i]);
    if (stage === 'idle') idleMs += delta;
    else ms[stage] += delta;
  }
  const busyMs = STAGES.reduce((sum, s) => sum + ms[s], 0);
  return { ms, busyMs, idleMs };
}

/**
 * Per-frame CPU milliseconds by stage: the sampled shares scaled to the thread's measured CPU time
 * (on a loaded machine the sampler also counts time the busy thread waited for a core).
 */
export function perFrameCpuMs(
  breakdown: StageBreakdown,
  frames: number,
  threadCpuMs: number | null,
): { scale: number; msPerFrame: Record<Stage, number>; totalMsPerFrame: number } {
  const scale = threadCpuMs === null || breakdown.busyMs === 0 ? 1 : Math.min(1, threadCpuMs / breakdown.busyMs);
  const msPerFrame = Object.fromEntries(STAGES.map((s) => [s, Math.round(((breakdown.ms[s] * scale) / frames) * 100) / 100])) as Record<
    Stage,
    number
  >;
  return {
    scale: Math.round(scale * 1000) / 1000,
    msPerFrame,
    totalMsPerFrame: Math.round(((breakdown.busyMs * scale) / frames) * 100) / 100,
  };
}

/**
 * The process and thread a `node --cpu-prof` file is from: Node names them
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile, thread 0 being the main thread and each worker
 * thread (the render's stabilizer) writing its own.
 */
export function profileThread(fileName: string): { pid: number; thread: number } | null {
  const match = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(fileName);
  return match ? { pid: Number(match[1]), thread: Number(match[2]) } : null;
}

/**
 * A worker thread's profile, all of whose busy time is one stage's (the stabilizer's thread runs
 * nothing else: its module loading, message plumbing and GC are the stage's cost too).
 */
export function attributeThreadProfile(profile: CpuProfile, stage: Stage): StageBreakdown {
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  const ms = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  let idleMs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (idle.has(profile.samples[i])) idleMs += delta;
    else ms[stage] += delta;
  }
  return { ms, busyMs: ms[stage], idleMs };
}
