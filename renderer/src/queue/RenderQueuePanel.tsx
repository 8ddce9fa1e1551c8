import { useEffect, useRef, useState } from 'react';
import type { EngineClient } from '../client/engine-client.js';
import type { AppInfo, JobOptions, QueueJob } from '../../../electron/common/protocol.js';
import { baseName, dirName, formatDuration, formatEta, suggestOutputPath } from '../film/format.js';

export interface RenderQueuePanelProps {
  client: EngineClient;
  appInfo: AppInfo;
  jobs: QueueJob[];
  onJobs(jobs: QueueJob[]): void;
  film: { path: string; durationSec: number } | null;
  range: { fromSec: number; toSec: number } | null;
  options: JobOptions;
  onError(message: string): void;
  /** A request from the menu to queue the film or the range; `serial` changes with each request. */
  request: { kind: 'film' | 'range'; serial: number } | null;
}

const STATUS_LABELS: Record<QueueJob['status'], string> = {
  queued: 'Waiting',
  running: 'Rendering',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const PHASE_LABELS: Record<string, string> = {
  probing: 'Reading the film…',
  'loading-model': 'Loading the model…',
  colorizing: 'Colourizing',
  muxing: 'Putting picture and sound together…',
  done: 'Finished',
};

export function RenderQueuePanel(props: RenderQueuePanelProps) {
  const { client, appInfo, jobs, onJobs, film, range, options, onError, request } = props;
  const browser = appInfo.host === 'browser';
  const suggestion = film ? suggestOutputPath(film.path, browser ? appInfo.defaultOutputDir : null, range ?? undefined) : '';
  const [output, setOutput] = useState(suggestion);
  const [edited, setEdited] = useState(false);
  const [replace, setReplace] = useState(false);

  useEffect(() => {
    if (!edited) setOutput(suggestion);
  }, [suggestion, edited]);

  const fail = (error: unknown) => onError(error instanceof Error ? error.message : String(error));

  const add = async (useRange: boolean) => {
    if (!film) return;
    if (useRange && !range) {
      onError('Set an in or out point first (I and O keys), then queue the range.');
      return;
    }
    const bounds = useRange && range ? { from: range.fromSec, to: range.toSec } : {};
    try {
      let target = output.trim();
      let overwrite = replace;
      if (!browser) {
        const chosen = await client.chooseOutput(suggestOutputPath(film.path, null, useRange ? (range ?? undefined) : undefined));
        if (!chosen) return;
        target = chosen;
        overwrite = true; // the save dialog already asked before replacing a file
      }
      if (!target) {
        onError('Type where the colour film should be saved.');
        return;
      }
      await client.queue.add({ input: film.path, output: target, ...bounds, options, overwrite });
      onJobs(await client.queue.list());
    } catch (error) {
      fail(error);
    }
  };

  const addRef = useRef(add);
  addRef.current = add;
  useEffect(() => {
    if (request) void addRef.current(request.kind === 'range');
  }, [request]);

  const act = (action: (id: string) => Promise<QueueJob[]>, id: string) => {
    action(id).then(onJobs).catch(fail);
  };

  return (
    <section className="panel queue-panel" aria-labelledby="queue-title">
      <h2 id="queue-title">Render queue</h2>
      {film ? (
        <div className="queue-add">
          {browser && (
            <>
              <div className="field">
                <label htmlFor="output-path">Output file</label>
                <input
                  id="output-path"
                  type="text"
                  spellCheck={false}
                  value={output}
                  onChange={(event) => {
                    setOutput(event.target.value);
                    setEdited(true);
                  }}
                />
              </div>
              <div className="field field-inline">
                <input id="output-replace" type="checkbox" checked={replace} onChange={(event) => setReplace(event.target.checked)} />
                <label htmlFor="output-replace">Replace the file if it exists</label>
              </div>
            </>
          )}
          <div className="button-row">
            <button type="button" className="button" onClick={() => void add(false)}>
              Render whole film
            </button>
            <button
              type="button"
              className="button button-primary"
              disabled={!range}
              onClick={() => void add(true)}
              title={range ? undefined : 'Set in and out points first'}
            >
              Render range
            </button>
          </div>
        </div>
      ) : (
        <p className="muted">Open a film to render it.</p>
      )}

      {jobs.length === 0 ? (
        <p className="muted">Nothing queued yet.</p>
      ) : (
        <ol className="jobs" aria-label="Render jobs">
          {[...jobs].reverse().map((job) => (
            <JobRow key={job.id} job={job} browser={browser} act={act} client={client} onError={onError} />
          ))}
        </ol>
      )}
    </section>
  );
}

function JobRow({
  job,
  browser,
  act,
  client,
  onError,
}: {
  job: QueueJob;
  browser: boolean;
  act(action: (id: string) => Promise<QueueJob[]>, id: string): void;
  client: EngineClient;
  onError(message: string): void;
}) {
  const name = baseName(job.output);
  const progress = job.progress;
  const fraction = job.status === 'done' ? 1 : progress && progress.framesTotal > 0 ? progress.framesDone / progress.framesTotal : 0;
  const rangeLabel =
    job.from !== undefined || job.to !== undefined
      ? `${formatDuration(job.from ?? 0)} – ${job.to !== undefined ? formatDuration(job.to) : 'end'}`
      : 'whole film';
  const warning = [...job.notices].reverse().find((notice) => notice.level === 'warning');

  return (
    <li className={`job job-${job.status}`} aria-label={`Render ${name}`} data-status={job.status}>
      <div className="job-head">
        <span className="job-name" title={job.output}>
          {name}
        </span>
        <span className={`badge badge-${job.status}`} data-testid="job-status">
          {STATUS_LABELS[job.status]}
        </span>
      </div>
      <p className="job-sub">
        {baseName(job.input)} · {rangeLabel}
      </p>
      <div
        className="progress"
        role="progressbar"
        aria-label={`Progress of ${name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
      >
        <div className="progress-fill" style={{ width: `${fraction * 100}%` }} />
      </div>
      {job.status === 'running' && progress && (
        <p className="job-stats" data-testid="job-stats">
          {progress.phase === 'colorizing'
            ? `${progress.framesDone} / ${progress.framesTotal} frames · ${progress.fps.toFixed(1)} fps · ETA ${formatEta(progress.etaSec)}`
            : (PHASE_LABELS[progress.phase] ?? progress.phase)}
        </p>
      )}
      {job.status === 'done' && job.result && (
        <p className="job-stats" data-testid="job-result">
          {job.result.frames} frames in {formatEta(job.result.elapsedSec)} on {job.result.provider.toUpperCase()}
          {browser ? (
            <>
              {' '}
              · saved to <code className="job-path">{job.result.output}</code>
            </>
          ) : null}
        </p>
      )}
      {job.error && (
        <p className="job-error" role="alert">
          {job.error.message}
        </p>
      )}
      {warning && job.status !== 'failed' && <p className="notice notice-warning">{warning.message}</p>}
      <div className="button-row">
        {(job.status === 'running' || job.status === 'queued') && (
          <button type="button" className="button button-small" onClick={() => act(client.queue.pause, job.id)}>
            Pause
          </button>
        )}
        {(job.status === 'paused' || job.status === 'failed') && (
          <button type="button" className="button button-small button-primary" onClick={() => act(client.queue.resume, job.id)}>
            {job.status === 'failed' ? 'Try again' : 'Resume'}
          </button>
        )}
        {(job.status === 'running' || job.status === 'queued' || job.status === 'paused') && (
          <button type="button" className="button button-small" onClick={() => act(client.queue.cancel, job.id)}>
            Cancel
          </button>
        )}
        {job.status === 'done' && !browser && (
          <button
            type="button"
            className="button button-small button-primary"
            onClick={() => {
              client.reveal(job.output).catch((error: unknown) => onError(error instanceof Error ? error.message : String(error)));
            }}
          >
            Open folder
          </button>
        )}
        {job.status === 'done' && browser && <span className="muted job-folder">In {dirName(job.output)}</span>}
        {job.status !== 'running' && job.status !== 'queued' && (
          <button type="button" className="button button-small button-quiet" onClick={() => act(client.queue.remove, job.id)}>
            Remove
          </button>
        )}
      </div>
    </li>
  );
}
