import { describe, expect, it } from 'vitest';
import {
  attributeProfile,
  attributeThreadProfile,
  perFrameCpuMs,
  profileThread,
  type CpuProfile,
} from '../../scripts/bench/cpu-profile.js';

// A small synthetic profile: root → (program), (idle), (garbage collector), a render loop with the
// per-frame stages under it, and event-loop callbacks from Node's own modules.
function frame(id: number, functionName: string, url: string, children: number[] = []) {
  return { id, callFrame: { functionName, url, lineNumber: 0, columnNumber: 0 }, children };
}
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', '', [2, 3, 4, 5, 20, 30]),
    frame(2, '(program)', ''),
    frame(3, '(idle)', ''),
    frame(4, '(garbage collector)', ''),
    frame(5, 'renderFilm', 'file:///app/electron/engine/pipeline/render.ts', [6, 8, 10, 12, 14, 16, 18]),
    frame(6, 'predict', 'file:///app/electron/engine/pipeline/colorizer.ts', [7]),
    frame(7, 'downscaleLuma', 'file:///app/electron/engine/pipeline/chroma-merge.ts'),
    frame(8, 'merge', 'file:///app/electron/engine/pipeline/colorizer.ts', [9]),
    frame(9, 'upscaleChroma', 'file:///app/electron/engine/pipeline/chroma-merge.ts'),
    frame(10, 'write', 'file:///app/electron/engine/media/encode.ts', [11]),
    frame(11, 'writeGeneric', 'node:internal/stream_base_commons', [17]),
    frame(12, 'push', 'file:///app/electron/engine/pipeline/stabilize.ts', [13]),
    frame(13, 'blur', 'file:///app/electron/engine/pipeline/stabilize-kernels.ts'),
    frame(14, 'infer', 'file:///app/electron/engine/model/inference-client.ts', [15]),
    frame(15, 'slice', ''), // a builtin: no URL, placed by its caller
    frame(16, 'drain', 'file:///app/electron/engine/pipeline/render.ts'),
    frame(17, 'Buffer', 'node:buffer'),
    frame(18, 'fixedSizeFrames', 'file:///app/electron/engine/media/raw-frames.ts'),
    frame(20, 'onStreamRead', 'node:internal/stream_base_commons'),
    frame(30, 'channel.onread', 'node:internal/child_process', [31]),
    frame(31, 'deserialize', 'node:v8'),
  ],
  startTime: 0,
  endTime: 0,
  // One sample per node of interest; timeDeltas[i+1] is the time sample i stands for (µs).
  samples: [2, 3, 4, 7, 9, 17, 13, 15, 16, 18, 20, 31, 1],
  timeDeltas: [0, 1000, 5000, 2000, 4000, 3000, 1500, 2500, 500, 250, 1000, 750, 600],
};

const resolve = (url: string) => (url.startsWith('file:///app/') ? url.slice('file:///app/'.length) : undefined);

describe('bench CPU profile attribution', () => {
  it('puts each sample in the stage of the nearest engine frame or Node module that a rule names', () => {
    const { ms, busyMs, idleMs } = attributeProfile(profile, resolve);
    expect(idleMs).toBe(5);
    expect(ms.gc).toBe(2);
    expect(ms.lumaResize).toBe(4);
    expect(ms.chromaMerge).toBe(3);
    expect(ms.encodeWrite).toBe(1.5); // node:buffer leaf under SegmentEncoder.write
    expect(ms.stabilizer).toBe(2.5);
    expect(ms.inference).toBe(0.5 + 0.6); // a builtin under infer(), and an IPC message's deserialize
    expect(ms.pipeline).toBe(0.25);
    expect(ms.decodeRead).toBe(1 + 0.75); // fixedSizeFrames, and a pipe read from the event loop
    expect(ms.startupAndOther).toBe(1); // (program); the last sample has no delta after it
    expect(busyMs).toBeCloseTo(1 + 2 + 4 + 3 + 1.5 + 2.5 + 0.5 + 0.25 + 1 + 0.75 + 0.6, 9);
  });

  it("counts Node's internals by the engine frame above them before its own-module rules", () => {
    // ChildProcess.spawn under the segment encoder is encoder work, not IPC with the inference process.
    const spawnProfile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 4]),
        frame(2, 'createSegmentEncoder', 'file:///app/electron/engine/media/encode.ts', [3]),
        frame(3, 'ChildProcess.spawn', 'node:internal/child_process'),
        frame(4, 'channel.onread', 'node:internal/child_process'),
      ],
      startTime: 0,
      endTime: 0,
      samples: [3, 4, 1],
      timeDeltas: [0, 1000, 2000, 0],
    };
    const { ms } = attributeProfile(spawnProfile, resolve);
    expect(ms.encodeWrite).toBe(1);
    expect(ms.inference).toBe(2);
  });

  it('scales sampled time to the thread CPU measured, per frame', () => {
    const breakdown = attributeProfile(profile, resolve);
    const { scale, msPerFrame, totalMsPerFrame } = perFrameCpuMs(breakdown, 2, breakdown.busyMs / 2);
    expect(scale).toBe(0.5);
    expect(msPerFrame.lumaResize).toBe(1);
    expect(totalMsPerFrame).toBeCloseTo(breakdown.busyMs / 4, 2);
    // Without a CPU measurement (or when it is higher) the sampled time stands.
    expect(perFrameCpuMs(breakdown, 1, null).scale).toBe(1);
  });

  it("gives a worker thread's whole busy time to one stage, and tells the threads' profiles apart by name", () => {
    const { ms, busyMs, idleMs } = attributeThreadProfile(profile, 'stabilizer');
    expect(idleMs).toBe(5);
    expect(ms.stabilizer).toBeCloseTo(1 + 2 + 4 + 3 + 1.5 + 2.5 + 0.5 + 0.25 + 1 + 0.75 + 0.6, 9);
    expect(busyMs).toBe(ms.stabilizer);
    expect(ms.gc + ms.decodeRead + ms.startupAndOther).toBe(0);
    expect(profileThread('CPU.20261203.100205.4321.0.001.cpuprofile')).toEqual({ pid: 4321, thread: 0 });
    expect(profileThread('CPU.20261203.100205.4321.1.002.cpuprofile')).toEqual({ pid: 4321, thread: 1 });
    expect(profileThread('notes.txt')).toBeNull();
  });
});
