import type { MediaInfo } from '../../../electron/common/types.js';
import { baseName, formatBytes, formatDuration, formatFps } from './format.js';

export function FilmFacts({ info }: { info: MediaInfo }) {
  const video = info.video;
  const audio = info.audio;
  return (
    <section className="panel" aria-labelledby="facts-title">
      <h2 id="facts-title">Film</h2>
      <p className="facts-name" title={info.path}>
        {baseName(info.path)}
      </p>
      <dl className="facts" aria-label="Film facts">
        <dt>Duration</dt>
        <dd data-testid="fact-duration">{formatDuration(info.durationSec)}</dd>
        <dt>Size</dt>
        <dd data-testid="fact-size">
          {video.outputWidth} × {video.outputHeight}
          {video.sampleAspectRatio !== '1:1' && video.sampleAspectRatio !== '0:1' ? ` (${video.displayAspectRatio})` : ''}
        </dd>
        <dt>Frame rate</dt>
        <dd data-testid="fact-fps">
          {formatFps(video.fps)} fps{video.variableFrameRate ? ' (variable)' : ''}
        </dd>
        <dt>Frames</dt>
        <dd data-testid="fact-frames">{video.frameCount.toLocaleString()}</dd>
        <dt>Audio</dt>
        <dd data-testid="fact-audio">
          {audio.length === 0
            ? 'none'
            : audio
                .map(
                  (track) =>
                    `${track.codec} ${track.channels === 1 ? 'mono' : track.channels === 2 ? 'stereo' : `${track.channels} ch`}${track.language ? ` (${track.language})` : ''}`,
                )
                .join(', ')}
        </dd>
        <dt>Video</dt>
        <dd>
          {video.codec}
          {video.interlaced ? ', interlaced' : ''}
          {video.looksMonochrome ? ', black and white' : ''}
        </dd>
        <dt>File</dt>
        <dd>{formatBytes(info.sizeBytes)}</dd>
      </dl>
    </section>
  );
}
