import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { DeviceChoice, ExecutionProvider, MediaInfo, ModelInfo } from '../../../electron/common/types.js';
import type { EngineClient } from '../client/engine-client.js';
import type { AppInfo, MenuCommand } from '../../../electron/common/protocol.js';
import { FilmFacts } from '../film/FilmFacts.js';
import { PinList } from '../pins/PinList.js';
import { PinOverlay } from '../pins/PinOverlay.js';
import { usePinEditing } from '../pins/use-pin-editing.js';
import { useSceneCuts } from '../pins/use-pins.js';
import { FilmOpener } from '../film/FilmOpener.js';
import { baseName } from '../film/format.js';
import { PreviewViewer, type ViewMode } from '../preview/PreviewViewer.js';
import { usePreview } from '../preview/use-preview.js';
import { RenderQueuePanel } from '../queue/RenderQueuePanel.js';
import { useQueue } from '../queue/use-queue.js';
import { SettingsPanel } from '../settings/SettingsPanel.js';
import { colorizeOptionsOf, useSettings } from '../settings/use-settings.js';
import { Timeline } from '../timeline/Timeline.js';
import { useThumbnails } from '../timeline/use-thumbnails.js';
import { Notices, type Notice } from './Notices.js';
import { PreviewToolbar } from './PreviewToolbar.js';
import { Transport } from './Transport.js';
import { useFileDrop } from './use-file-drop.js';
import { useInOutRange } from './use-in-out-range.js';
import { useKeyboardShortcuts } from './use-keyboard-shortcuts.js';
import { usePinViews } from './use-pin-views.js';
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
  const [viewMode, setViewMode] = useState<ViewMode>('split');
  const [split, setSplit] = useState(50);
  const [notices, setNotices] = useState<Notice[]>([]);
  const [disconnected, setDisconnected] = useState<string | null>(null);
  const [queueRequest, setQueueRequest] = useState<{ kind: 'film' | 'range'; serial: number } | null>(null);
  const [prepared, setPrepared] = useState<Prepared | null>(null);
  const [settings, updateSettings] = useSettings();
  const [jobs, setJobs] = useQueue(client);
  const preview = usePreview(client);
  const noticeId = useRef(0);

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
  const marks = useInOutRange(film !== null, playhead, fps, last);
  const { inFrame, outFrame, range, setIn, setOut, clearRange } = marks;

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
        clearRange();
      } catch (error) {
        report(error instanceof Error ? error.message : String(error));
      } finally {
        setOpening(false);
      }
    },
    [client, preview, playback, report, clearRange],
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

  const pins = usePinEditing({ client, film: filmPath, appInfo, playhead, fps, report, inform });
  const pinsDoc = pins.doc;
  const sceneScan = useSceneCuts(client, filmPath);
  const colorizeOptions = useMemo(
    () => ({ ...colorizeOptionsOf(settings), ...(pinsDoc.pins.length > 0 ? { hints: pinsDoc } : {}) }),
    [settings, pinsDoc],
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
    if (pins.version === 0) return;
    const timer = setTimeout(() => previewFrameRef.current(true), 200);
    return () => clearTimeout(timer);
  }, [pins.version]);

  const previewRange = useCallback(() => {
    if (!film || !range) return;
    const first = inFrame ?? 0;
    const count = Math.min(MAX_RANGE_PREVIEW_FRAMES, (outFrame ?? last) - first + 1);
    playback.stop();
    setPlayhead(first);
    preview.start({ input: film.path, at: first / fps, frames: count, maxSize: 960, ...colorizeOptions });
  }, [film, range, inFrame, outFrame, last, fps, colorizeOptions, preview, playback]);

  const togglePinTool = pins.toggleTool;
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
          if (film) togglePinTool();
          break;
        case 'queue-film':
        case 'queue-range':
          if (film)
            setQueueRequest((current) => ({ kind: command === 'queue-range' ? 'range' : 'film', serial: (current?.serial ?? 0) + 1 }));
          document.getElementById('queue-title')?.scrollIntoView({ behavior: 'smooth' });
          break;
      }
    },
    [appInfo, client, film, open, report, preview, previewFrame, previewRange, setIn, setOut, clearRange, togglePinTool],
  );

  useEffect(() => client.on('menu:command', runCommand), [client, runCommand]);
  useEffect(() => client.on('film:opened', (path) => void open(path)), [client, open]);

  useKeyboardShortcuts(
    film
      ? {
          fps,
          playhead,
          last,
          seek,
          setIn,
          setOut,
          clearRange,
          previewFrame: () => previewFrame(false),
          previewRange,
          togglePlay: () => playback.toggle(playhead),
          togglePinTool,
          undo: pins.undo,
          deleteSelectedPin: pins.deleteSelected,
          dismiss: pins.dismiss,
        }
      : null,
  );

  // Drops: the desktop app opens the film; a browser page must not navigate away to the file.
  const openDropped = useCallback(
    (file: File) => {
      client
        .openDroppedFile(file)
        .then((path) => open(path))
        .catch((error: unknown) => report(error instanceof Error ? error.message : String(error)));
    },
    [client, open, report],
  );
  const dragging = useFileDrop(openDropped);

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
  const pinViews = usePinViews({
    doc: pinsDoc,
    scannedCuts,
    frameCount,
    fps,
    last,
    playhead,
    currentPreview,
    placeholderUrl: nearestThumbnail?.url ?? null,
  });
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
              <PreviewToolbar
                viewMode={viewMode}
                onViewMode={setViewMode}
                pinTool={pins.tool}
                onTogglePinTool={togglePinTool}
                preview={preview.state}
                onPreviewFrame={() => previewFrame(false)}
                onPreviewRange={previewRange}
                canPreviewRange={range !== null}
                playing={playback.playing}
                canPlay={previewedFrames.length >= 2}
                onTogglePlay={() => playback.toggle(playhead)}
                onStopPreview={preview.cancel}
              />
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
                    pins={pinViews.here}
                    frame={playhead}
                    aspect={aspect}
                    tool={pins.tool}
                    selected={pins.selected}
                    onSelect={pins.select}
                    onAdd={pins.add}
                    onChange={pins.change}
                    onDelete={pins.remove}
                    onGoTo={seek}
                    sample={pinViews.sample}
                    recent={pins.recentColours}
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
                pins={pinViews.timeline}
                onSeek={seek}
              />
              <Transport fps={fps} playhead={playhead} last={last} durationSec={film.info.durationSec} marks={marks} onSeek={seek} />
              <p className="shortcuts muted">
                ← → step a frame · Shift+← → a second · I / O set in and out · P preview · Space play · C colour pins · Delete removes the
                chosen pin · Ctrl+Z undoes a pin change
              </p>
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
              groups={pinViews.groups}
              shotCount={pinViews.shots.length}
              fps={fps}
              scanning={sceneScan.scanning}
              selected={pins.selected}
              tool={pins.tool}
              onTool={pins.setTool}
              onSelect={pins.select}
              onGoTo={seek}
              onDelete={pins.remove}
              onClear={pins.clear}
              host={appInfo.host}
              suggestedPath={pins.suggestedPath}
              onImport={(path) => void pins.importFile(path)}
              onExport={(path, overwrite) => void pins.exportFile(path, overwrite)}
              savedNote={pins.savedNote}
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
