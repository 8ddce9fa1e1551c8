import { useEffect, useState } from 'react';
import type { EngineClient } from '../client/engine-client.js';
import type { AppInfo, FileListing } from '../../../electron/common/protocol.js';
import { formatBytes } from './format.js';

export interface FilmOpenerProps {
  client: EngineClient;
  appInfo: AppInfo;
  opening: boolean;
  onOpen(path: string): void;
  onError(message: string): void;
}

/** Electron: the open dialog (and drops on the window). Browser: the server's films, or a typed path. */
export function FilmOpener({ client, appInfo, opening, onOpen, onError }: FilmOpenerProps) {
  const [listing, setListing] = useState<FileListing | null>(null);
  const [typed, setTyped] = useState('');

  useEffect(() => {
    if (appInfo.host !== 'browser') return;
    client
      .listFiles()
      .then(setListing)
      .catch((error: unknown) => onError(error instanceof Error ? error.message : String(error)));
  }, [client, appInfo.host, onError]);

  if (appInfo.host === 'electron') {
    return (
      <div className="opener">
        <h2>Open a black-and-white film</h2>
        <button
          type="button"
          className="button button-primary"
          disabled={opening}
          onClick={() => {
            client
              .chooseFilm()
              .then((path) => {
                if (path) onOpen(path);
              })
              .catch((error: unknown) => onError(error instanceof Error ? error.message : String(error)));
          }}
        >
          Open film…
        </button>
        <p className="muted">or drop a film anywhere on this window</p>
      </div>
    );
  }

  return (
    <div className="opener">
      <h2>Open a black-and-white film</h2>
      <form
        className="opener-path"
        onSubmit={(event) => {
          event.preventDefault();
          if (typed.trim()) onOpen(typed.trim());
        }}
      >
        <label htmlFor="film-path">Film path</label>
        <input
          id="film-path"
          type="text"
          value={typed}
          spellCheck={false}
          placeholder={`${appInfo.allowedRoots[0] ?? ''}/film.mp4`}
          onChange={(event) => setTyped(event.target.value)}
        />
        <button type="submit" className="button button-primary" disabled={opening || !typed.trim()}>
          Open
        </button>
      </form>
      <p className="muted">
        Films in {appInfo.allowedRoots.length === 1 ? 'the allowed folder' : 'the allowed folders'}: {appInfo.allowedRoots.join(', ')}
      </p>
      {listing && listing.files.length > 0 ? (
        <ul className="file-list" aria-label="Films on the server">
          {listing.files.map((file) => (
            <li key={file.path}>
              <button type="button" className="file-button" disabled={opening} onClick={() => onOpen(file.path)} title={file.path}>
                <span className="file-name">{file.name}</span>
                <span className="file-size">{formatBytes(file.sizeBytes)}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{listing ? 'No films found there; type a path above.' : 'Looking for films…'}</p>
      )}
      {listing?.truncated && <p className="muted">Only the first {listing.files.length} films are listed.</p>}
    </div>
  );
}
