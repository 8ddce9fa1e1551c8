import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { connectEngineClient } from './client/connect.js';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

connectEngineClient()
  .then((client) => {
    root.render(
      <StrictMode>
        <App client={client} />
      </StrictMode>,
    );
  })
  .catch((error: unknown) => {
    root.render(
      <div className="fatal" role="alert">
        <h1>ChromaReel</h1>
        <p>{error instanceof Error ? error.message : String(error)}</p>
      </div>,
    );
  });
