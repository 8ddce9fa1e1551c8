import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DeviceChoice, ExecutionProvider, MediaInfo, ModelInfo } from '../../../electron/common/types.js';
import type { EngineClient } from '../client/engine-client.js';
import type { AppInfo, MenuCommand } from '../../../electron/common/protocol.js';
import { FilmFacts } from '../film/FilmFacts.js';
import { lumaOf, rememberColour } from '../pins/colours.js';
import { PinList } from '../pins/PinList.js';
import { PinOverlay } from '../pins/PinOverlay.js';
import { sampleImage } from '../pins/sample.js';
import { activePins, frameTime, pinFrame, pinsByShot, shotsOf } from '../pins/shots.js';
import { loadRecentColours, saveRecentColours, useFilmPins, useSceneCuts } from '../pins/use-pins.js';
import { FilmOpener } from '../film/FilmOpener.js';
import { baseName, dirName, formatDuration, frameToTimecode } from '../film/format.js';
import { PreviewViewer, type ViewMode } from '../preview/PreviewViewer.js';
import { pinsKeyOf, usePreview, withoutPinsUrl } from '../preview/use-preview.js';
import { RenderQueuePanel } from '../queue/RenderQueuePanel.js';
import { useQueue } from '../queue/use-queue.js';
import { SettingsPanel } from '../settings/SettingsPanel.js';
import { colorizeOptionsOf, useSettings } from '../settings/use-settings.js';
import { Timeline } from '../timeline/Timeline.js';
import { useThumbnails } from '../timeline/use-thumbnails.js';
import { Notices, type Notice } from './Notices.js';
import { usePlayback } from './use-playback.js';

const THUMBNAIL_COUNT = 14;
const THUMBNAIL_HEIGHT = 72;
/** A range preview is for judging the look, not for watching the film: keep it to about ten seconds. */
const MAX_RANGE_PREVIEW_FRAMES = 240;

interface OpenFilm {
  path: string;
  info: MediaInfo;
}

/** What the engine said it loaded for these settings (the model as the settings name it: '' = automatic). */
interface Prepared {
  model: string;
  device: DeviceChoice;
  provider: ExecutionProvider;
}

export function App({ client }: { client: EngineClient }) {
  const [appInfo, setAppInfo] = useState<AppInfo | null>(null);
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [film, setFilm] = useState<OpenFilm | null>(null);
  const [opening, setOpening] = useState(false);
  const [playhead, setPlayhead] = useState(0);
  const [inFrame, setInFrame] = useState<number | null>(null);
  const [outFrame, setOutFrame] = useState<number | null>(null);
  const [viewMode, setViewMode] = useState<ViewMode>('split');
  const [split, setSplit] = useState(50);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [disconnected, setDisconnected] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const [queueRequest, setQueueRequest] = useState<{ kind: 'film' | 'range'; serial: number } | null>(null);
  const [prepared, setPrepared] = useState<Prepared | null>(null);
  const [settings, updateSettings] = useSettings();
  const [jobs, setJobs] = useQueue(client);
  const preview = usePreview(client);
  const noticeId = useRef(0);
  const [pinTool, setPinTool] = useState(false);
  const [selectedPin, setSelectedPin] = useState<number | null>(null);
  const [recentColours, setRecentColours] = useState<string[]>(loadRecentColours);

  const report = useCallback((message: string) => {
    setNotices((current) => [...current.slice(-3), { id: ++noticeId.current, message }]);
  }, []);
  /** Says that something went as asked; the note goes away on its own after a few seconds. */
  const inform = useCallback((message: string) => {
    const id = ++noticeId.current;
    setNotices((current) => [...current.slice(-3), { id, message, level: 'info' }]);
    setTimeout(() => setNotices((current) => current.filter((notice) => notice.id !== id)), 8000);
  }, []);

  useEffect(() => {
    Promise.all([client.appInfo(), client.listModels()])
      .then(([info, list]) => {
        setAppInfo(info);
        setModels(list);
      })
      .catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
    return client.onDisconnect(setDisconnected);
  }, [client, report]);

  const fps = film?.info.video.fps ?? 24;
  const frameCount = film?.info.video.frameCount ?? 0;
  const last = Math.max(0, frameCount - 1);
  const thumbnails = useThumbnails(client, film?.path ?? null, THUMBNAIL_COUNT, THUMBNAIL_HEIGHT);
  const previewedFrames = useMemo(() => [...preview.state.frames.keys()].sort((a, b) => a - b), [preview.state.frames]);
  const playback = usePlayback(previewedFrames, fps, setPlayhead);

  const seek = useCallback(
    (frame: number) => {
      playback.stop();
      setPlayhead(Math.min(last, Math.max(0, Math.round(frame))));
    },
    [last, playback],
  );

  const open = useCallback(
    async (path: string) => {
      setOpening(true);
      try {
        const info = await client.probe(path);
        preview.clear();
        playback.stop();
        setFilm({ path: info.path || path, info });
        setPlayhead(0);
        setInFrame(null);
        setOutFrame(null);
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      } finally {
        setOpening(false);
      }
    },
    [client, preview, playback, report],
  );

  // While the person looks at a newly opened film (or has just changed the model or device), the engine
  // loads the model, so the first preview does not wait for it. Fire and forget: a failure here is
  // reported by the preview itself, which tries again.
  const filmPath = film?.path ?? null;
  const { model, device } = settings;
  useEffect(() => {
    if (!filmPath) return;
    let current = true;
    client
      .prepare({ ...(model ? { model } : {}), device })
      .then(({ provider }) => {
        if (current) setPrepared({ model, device, provider });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [client, filmPath, model, device]);
  const preparedProvider = prepared && prepared.model === model && prepared.device === device ? prepared.provider : null;

  const filmPins = useFilmPins(client, filmPath, report);
  const pinsDoc = filmPins.doc;
  const sceneScan = useSceneCuts(client, filmPath);
  useEffect(() => setSelectedPin(null), [filmPath]);
  const colorizeOptions = useMemo(() => ({ ...colorizeOptionsOf(settings), ...(pinsDoc.pins.length > 0 ? { hints: pinsDoc } : {}) }), [settings, pinsDoc]);
  const range = useMemo(
    () => (film && (inFrame !== null || outFrame !== null) ? { fromSec: (inFrame ?? 0) / fps, toSec: ((outFrame ?? last) + 1) / fps } : null),
    [film, inFrame, outFrame, fps, last],
  );

  const previewFrame = useCallback(
    (keep = false) => {
      if (!film) return;
      playback.stop();
      preview.start({ input: film.path, at: playhead / fps, frames: 1, maxSize: 1280, ...colorizeOptions }, keep);
    },
    [film, playhead, fps, colorizeOptions, preview, playback],
  );

  // After a pin changes, the frame on screen is coloured again with the pins as they are now (debounced:
  // a run of edits refreshes once). The model stays warm and the film's facts are cached, so this is
  // one frame's decode and inference.
  const previewFrameRef = useRef(previewFrame);
  previewFrameRef.current = previewFrame;
  useEffect(() => {
    if (filmPins.version === 0) return;
    const timer = setTimeout(() => previewFrameRef.current(true), 200);
    return () => clearTimeout(timer);
  }, [filmPins.version]);

  const previewRange = useCallback(() => {
    if (!film || !range) return;
    const first = inFrame ?? 0;
    const count = Math.min(MAX_RANGE_PREVIEW_FRAMES, (outFrame ?? last) - first + 1);
    playback.stop();
    setPlayhead(first);
    preview.start({ input: film.path, at: first / fps, frames: count, maxSize: 960, ...colorizeOptions });
  }, [film, range, inFrame, outFrame, last, fps, colorizeOptions, preview, playback]);

  const setIn = useCallback(() => {
    setInFrame(playhead);
    if (outFrame !== null && outFrame < playhead) setOutFrame(null);
  }, [playhead, outFrame]);
  const setOut = useCallback(() => {
    setOutFrame(playhead);
    if (inFrame !== null && inFrame > playhead) setInFrame(null);
  }, [playhead, inFrame]);
  const clearRange = useCallback(() => {
    setInFrame(null);
    setOutFrame(null);
  }, []);

  const { update: updatePins, replace: replacePins, undo: undoPins, redo: redoPins } = filmPins;
  const addPin = useCallback(
    (x: number, y: number, color: string) => {
      updatePins((pins) => {
        setSelectedPin(pins.length);
        return [...pins, { t: frameTime(playhead, fps), x, y, color }];
      });
      setRecentColours((recent) => {
        const next = rememberColour(recent, color);
        saveRecentColours(next);
        return next;
      });
    },
    [updatePins, playhead, fps],
  );
  const changePin = useCallback(
    (index: number, change: { x?: number; y?: number; color?: string }) => {
      updatePins((pins) => pins.map((pin, at) => (at === index ? { ...pin, ...change } : pin)));
      const color = change.color;
      if (color) {
        setRecentColours((recent) => {
          const next = rememberColour(recent, color);
          saveRecentColours(next);
          return next;
        });
      }
    },
    [updatePins],
  );
  const deletePin = useCallback(
    (index: number) => {
      updatePins((pins) => pins.filter((_, at) => at !== index));
      setSelectedPin(null);
    },
    [updatePins],
  );

  const pinsFileSuggestion = film ? `${appInfo?.host === 'browser' ? (appInfo.defaultOutputDir ?? dirName(film.path)) : dirName(film.path)}/${baseName(film.path).replace(/\.[^.]+$/, '')}.pins.json` : '';
  const importPins = useCallback(
    async (typed?: string) => {
      try {
        const file = typed ?? (await client.pins.chooseFile());
        if (file === null) return;
        if (!file) {
          report('Type the path of a hints file (.json) to import.');
          return;
        }
        const imported = await client.pins.import(file);
        const key = (pin: { t?: number; x: number; y: number; color: string }) => `${pin.t ?? 0}|${pin.x}|${pin.y}|${pin.color}`;
        const known = new Set(pinsDoc.pins.map(key));
        const added = imported.pins.filter((pin) => !known.has(key(pin)));
        replacePins({ version: 1, pins: [...pinsDoc.pins, ...added] });
        inform(`Imported ${added.length === 1 ? '1 pin' : `${added.length} pins`} from ${baseName(file)}${added.length < imported.pins.length ? ` (${imported.pins.length - added.length} already here)` : ''}.`);
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      }
    },
    [client, pinsDoc, replacePins, report, inform],
  );
  const exportPins = useCallback(
    async (typed?: string, overwrite?: boolean) => {
      try {
        let file = typed;
        let replace = overwrite ?? false;
        if (file === undefined) {
          const chosen = await client.pins.chooseOutput(pinsFileSuggestion);
          if (!chosen) return;
          file = chosen;
          replace = true; // the save dialog asked before replacing a file
        }
        if (!file) {
          report('Type where the hints file (.json) should be saved.');
          return;
        }
        const written = await client.pins.export(file, pinsDoc, replace);
        inform(`Exported ${pinsDoc.pins.length === 1 ? '1 pin' : `${pinsDoc.pins.length} pins`} to ${written}.`);
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      }
    },
    [client, pinsDoc, pinsFileSuggestion, report, inform],
  );

  const runCommand = useCallback(
    (command: MenuCommand) => {
      switch (command) {
        case 'open-film':
          if (appInfo?.host === 'electron') {
            client
              .chooseFilm()
              .then((path) => {
                if (path) void open(path);
              })
              .catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
          } else {
            preview.clear();
            setFilm(null);
          }
          break;
        case 'preview-frame':
          previewFrame(false);
          break;
        case 'preview-range':
          previewRange();
          break;
        case 'set-in':
          setIn();
          break;
        case 'set-out':
          setOut();
          break;
        case 'clear-range':
          clearRange();
          break;
        case 'pin-tool':
          if (film) setPinTool((on) => !on);
          break;
        case 'queue-film':
        case 'queue-range':
          if (film) setQueueRequest((current) => ({ kind: command === 'queue-range' ? 'range' : 'film', serial: (current?.serial ?? 0) + 1 }));
          document.getElementById('queue-title')?.scrollIntoView({ behavior: 'smooth' });
          break;
      }
    },
    [appInfo, client, film, open, report, preview, previewFrame, previewRange, setIn, setOut, clearRange],
  );

  useEffect(() => client.on('menu:command', runCommand), [client, runCommand]);
  useEffect(() => client.on('film:opened', (path) => void open(path)), [client, open]);

  // Keyboard: ←/→ one frame (Shift: one second), Home/End, I/O in and out, X clears, P previews, Space plays.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (typing || !film) return;
      // Ctrl/⌘+Z takes back the last change to the pins, Ctrl/⌘+Shift+Z (or Ctrl+Y) makes it again.
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 'z' || event.key === 'Z' || event.key === 'y')) {
        const again = event.key === 'y' || event.shiftKey;
        if (again ? redoPins() : undoPins()) {
          setSelectedPin(null);
          event.preventDefault();
        }
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const second = Math.max(1, Math.round(fps));
      const handled = (() => {
        switch (event.key) {
          case 'ArrowLeft':
            seek(playhead - (event.shiftKey ? second : 1));
            return true;
          case 'ArrowRight':
            seek(playhead + (event.shiftKey ? second : 1));
            return true;
          case 'Home':
            seek(0);
            return true;
          case 'End':
            seek(last);
            return true;
          case 'i':
          case 'I':
            setIn();
            return true;
          case 'o':
          case 'O':
            setOut();
            return true;
          case 'x':
          case 'X':
            clearRange();
            return true;
          case 'p':
            previewFrame(false);
            return true;
          case 'c':
          case 'C':
            setPinTool((on) => !on);
            return true;
          case 'Delete':
          case 'Backspace':
            if (selectedPin === null) return false;
            deletePin(selectedPin);
            return true;
          case 'Escape':
            if (!pinTool && selectedPin === null) return false;
            setPinTool(false);
            setSelectedPin(null);
            return true;
          case 'P':
            previewRange();
            return true;
          case ' ':
            if (target?.tagName === 'BUTTON') return false;
            playback.toggle(playhead);
            return true;
          default:
            return false;
        }
      })();
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [film, fps, playhead, last, seek, setIn, setOut, clearRange, previewFrame, previewRange, playback, selectedPin, pinTool, deletePin, undoPins, redoPins]);

  // Drops: the desktop app opens the film; a browser page must not navigate away to the file.
  useEffect(() => {
    const over = (event: DragEvent) => {
      if (!event.dataTransfer?.types.includes('Files')) return;
      event.preventDefault();
      setDragging(true);
    };
    const leave = (event: DragEvent) => {
      if (event.relatedTarget === null) setDragging(false);
    };
    const drop = (event: DragEvent) => {
      event.preventDefault();
      setDragging(false);
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      client
        .openDroppedFile(file)
        .then((path) => open(path))
        .catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
    };
    window.addEventListener('dragover', over);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [client, open, report]);

  const currentPreview = preview.state.frames.get(playhead) ?? null;
  const nearestThumbnail = useMemo(() => {
    if (thumbnails.length === 0) return null;
    const at = playhead / fps;
    return thumbnails.reduce((best, thumbnail) => (Math.abs(thumbnail.timeSec - at) < Math.abs(best.timeSec - at) ? thumbnail : best));
  }, [thumbnails, playhead, fps]);
  // Cuts come from the engine's scan of the film and from renders of it (found while stabilizing), in film frames.
  const scannedCuts = sceneScan.cuts;
  const sceneCuts = useMemo(() => {
    if (!film) return [];
    const cuts = new Set<number>(scannedCuts.filter((cut) => cut <= last));
    for (const job of jobs) if (job.input === film.path) for (const cut of job.sceneCuts ?? []) if (cut <= last) cuts.add(cut);
    return [...cuts].sort((a, b) => a - b);
  }, [jobs, film, last, scannedCuts]);
  // Shots for the pins come from the scan alone, so a pin's shot does not change as renders report cuts.
  const shots = useMemo(() => shotsOf(scannedCuts, frameCount), [scannedCuts, frameCount]);
  const pinGroups = useMemo(() => pinsByShot(pinsDoc.pins, shots, fps), [pinsDoc, shots, fps]);
  // On a previewed frame coloured with these very pins, each pin is drawn where the engine followed it to.
  const pinsHere = useMemo(() => {
    const here = activePins(pinsDoc.pins, shots, fps, playhead);
    if (!currentPreview?.pins || currentPreview.pinsKey !== pinsKeyOf(pinsDoc)) return here;
    const tracked = new Map(currentPreview.pins.map((pin) => [pin.index, pin]));
    return here.flatMap((entry) => {
      if (entry.frame === playhead) return [entry];
      const at = tracked.get(entry.index);
      return at ? [{ ...entry, pin: { ...entry.pin, x: at.x, y: at.y } }] : [];
    });
  }, [pinsDoc, shots, fps, playhead, currentPreview]);
  const timelinePins = useMemo(() => pinsDoc.pins.map((pin, index) => ({ index, frame: Math.min(last, pinFrame(pin.t, fps)), color: pin.color })), [pinsDoc, fps, last]);
  const previewAfterUrl = currentPreview?.afterUrl ?? null;
  const previewWithoutPinsUrl = currentPreview && currentPreview.pinsKey !== '' ? (withoutPinsUrl(currentPreview) ?? null) : null;
  const previewBeforeUrl = currentPreview?.beforeUrl ?? null;
  const placeholderUrl = nearestThumbnail?.url ?? null;
  const samplePicture = useCallback(
    async (x: number, y: number) => {
      const model = previewAfterUrl ? await sampleImage(previewAfterUrl, x, y) : null;
      const withoutPins = previewWithoutPinsUrl ? await sampleImage(previewWithoutPinsUrl, x, y) : null;
      const grey = previewBeforeUrl ? await sampleImage(previewBeforeUrl, x, y) : placeholderUrl ? await sampleImage(placeholderUrl, x, y) : null;
      return { model, withoutPins, luma: grey ? lumaOf(grey) : model ? lumaOf(model) : 128 };
    },
    [previewAfterUrl, previewWithoutPinsUrl, previewBeforeUrl, placeholderUrl],
  );
  const latestJobProvider = [...jobs].reverse().find((job) => job.provider)?.provider ?? null;
  const provider = preview.state.provider ?? latestJobProvider ?? preparedProvider;
  const video = film?.info.video;
  const running = preview.state.status === 'running';

  return (
    <div className={`app${dragging ? ' app-dragging' : ''}`}>
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <h1>ChromaReel</h1>
        </div>
        <div className="header-film">{film ? baseName(film.path) : 'No film open'}</div>
        <div className="header-actions">
          {film && (
            <button type="button" className="button" onClick={() => runCommand('open-film')}>
              {appInfo?.host === 'electron' ? 'Open film…' : 'Open another film'}
            </button>
          )}
        </div>
      </header>

      {disconnected && (
        <div className="banner" role="alert">
          {disconnected}
        </div>
      )}
      <Notices notices={notices} onDismiss={(id) => setNotices((current) => current.filter((notice) => notice.id !== id))} />

      <main className="app-main">
        <div className="stage">
          {!film || !video ? (
            appInfo ? (
              <FilmOpener client={client} appInfo={appInfo} opening={opening} onOpen={(path) => void open(path)} onError={report} />
            ) : (
              <p className="muted">Connecting…</p>
            )
          ) : (
            <>
              <div className="stage-toolbar" role="toolbar" aria-label="Preview">
                <div className="segmented" role="group" aria-label="View">
                  <button type="button" aria-pressed={viewMode === 'split'} onClick={() => setViewMode('split')}>
                    Split
                  </button>
                  <button type="button" aria-pressed={viewMode === 'side-by-side'} onClick={() => setViewMode('side-by-side')}>
                    Side by side
                  </button>
                </div>
                <div className="button-row">
                  <button type="button" className="button" aria-pressed={pinTool} onClick={() => setPinTool((on) => !on)} title="C: click the picture to say what colour a thing is">
                    Colour pins
                  </button>
                  <button type="button" className="button button-primary" onClick={() => previewFrame(false)} title="P">
                    Preview frame
                  </button>
                  <button type="button" className="button" onClick={previewRange} disabled={!range} title="Shift+P">
                    Preview range
                  </button>
                  <button type="button" className="button" onClick={() => playback.toggle(playhead)} disabled={previewedFrames.length < 2} title="Space">
                    {playback.playing ? 'Stop' : 'Play preview'}
                  </button>
                  {running && (
                    <button type="button" className="button button-quiet" onClick={preview.cancel}>
                      Stop preview
                    </button>
                  )}
                </div>
                <p className="preview-status" role="status" data-testid="preview-status">
                  {preview.state.status === 'running'
                    ? `Colourizing ${preview.state.frames.size} / ${preview.state.expected}…`
                    : preview.state.status === 'done'
                      ? `Previewed ${preview.state.frames.size} frame${preview.state.frames.size === 1 ? '' : 's'}`
                      : preview.state.status === 'failed'
                        ? 'Preview failed'
                        : ''}
                </p>
              </div>
              {preview.state.warnings.map((warning) => (
                <p key={warning} className="notice notice-warning" role="status" data-testid="preview-warning">
                  {warning}
                </p>
              ))}
              {preview.state.error && (
                <p className="notice notice-error" role="alert">
                  {preview.state.error}
                </p>
              )}
              <PreviewViewer
                mode={viewMode}
                split={split}
                onSplit={setSplit}
                frame={currentPreview}
                placeholder={nearestThumbnail}
                aspect={video.outputWidth / video.outputHeight}
                busy={running}
                overlay={(aspect) => (
                  <PinOverlay
                    pins={pinsHere}
                    frame={playhead}
                    aspect={aspect}
                    tool={pinTool}
                    selected={selectedPin}
                    onSelect={setSelectedPin}
                    onAdd={addPin}
                    onChange={changePin}
                    onDelete={deletePin}
                    onGoTo={seek}
                    sample={samplePicture}
                    recent={recentColours}
                  />
                )}
              />
              <Timeline
                frameCount={frameCount}
                fps={fps}
                playhead={playhead}
                inFrame={inFrame}
                outFrame={outFrame}
                thumbnails={thumbnails}
                thumbnailCount={THUMBNAIL_COUNT}
                previewed={previewedFrames}
                sceneCuts={sceneCuts}
                pins={timelinePins}
                onSeek={seek}
              />
              <div className="transport">
                <div className="timecodes">
                  <span className="timecode timecode-main" data-testid="timecode">
                    {frameToTimecode(playhead, fps)}
                  </span>
                  <span className="muted" data-testid="frame-number">
                    frame {playhead} of {last}
                  </span>
                </div>
                <div className="button-row">
                  <button type="button" className="button button-small" aria-label="Previous frame" onClick={() => seek(playhead - 1)}>
                    ◀
                  </button>
                  <button type="button" className="button button-small" aria-label="Next frame" onClick={() => seek(playhead + 1)}>
                    ▶
                  </button>
                  <button type="button" className="button button-small" onClick={setIn} title="I">
                    Set in
                  </button>
                  <button type="button" className="button button-small" onClick={setOut} title="O">
                    Set out
                  </button>
                  <button type="button" className="button button-small button-quiet" onClick={clearRange} disabled={!range} title="X">
                    Clear range
                  </button>
                </div>
                <div className="timecodes timecodes-range">
                  <span>
                    In <span className="timecode" data-testid="in-timecode">{inFrame !== null ? frameToTimecode(inFrame, fps) : '—'}</span>
                  </span>
                  <span>
                    Out <span className="timecode" data-testid="out-timecode">{outFrame !== null ? frameToTimecode(outFrame, fps) : '—'}</span>
                  </span>
                  <span className="muted">{range ? `${formatDuration(range.toSec - range.fromSec)} selected` : `${formatDuration(film.info.durationSec)} in all`}</span>
                </div>
              </div>
              <p className="shortcuts muted">← → step a frame · Shift+← → a second · I / O set in and out · P preview · Space play · C colour pins · Delete removes the chosen pin · Ctrl+Z undoes a pin change</p>
            </>
          )}
          {appInfo && (
            <RenderQueuePanel
              client={client}
              appInfo={appInfo}
              jobs={jobs}
              onJobs={setJobs}
              film={film ? { path: film.path, durationSec: film.info.durationSec } : null}
              range={range}
              options={{ ...colorizeOptions, codec: settings.codec, encoder: settings.encoder, crf: settings.crf }}
              onError={report}
              request={queueRequest}
            />
          )}
        </div>

        <aside className="sidebar">
          {film && <FilmFacts info={film.info} />}
          {film && appInfo && (
            <PinList
              groups={pinGroups}
              shotCount={shots.length}
              fps={fps}
              scanning={sceneScan.scanning}
              selected={selectedPin}
              tool={pinTool}
              onTool={setPinTool}
              onSelect={setSelectedPin}
              onGoTo={seek}
              onDelete={deletePin}
              onClear={() => {
                updatePins(() => []);
                setSelectedPin(null);
              }}
              host={appInfo.host}
              suggestedPath={pinsFileSuggestion}
              onImport={(path) => void importPins(path)}
              onExport={(path, overwrite) => void exportPins(path, overwrite)}
              savedNote={pinsDoc.pins.length === 0 ? null : filmPins.saved ? 'Kept with this film in ChromaReel’s own data (not beside the film).' : 'Keeping…'}
            />
          )}
          <SettingsPanel settings={settings} onChange={updateSettings} models={models} provider={provider} />
        </aside>
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop the film to open it
        </div>
      )}
    </div>
  );
}
