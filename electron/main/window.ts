import { BrowserWindow, shell, type WebContents } from 'electron';
import { isExternalLinkAllowed, isNavigationAllowed } from './security.js';

export interface WindowOptions {
  preload: string;
  /** app://chromareel/index.html, or the dev server's address under `electron-vite dev`. */
  pageUrl: string;
  devTools: boolean;
}

export function createMainWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 980,
    minHeight: 640,
    show: false,
    title: 'ChromaReel',
    backgroundColor: '#101216',
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: options.devTools,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.pageUrl);
  return window;
}

/** Every web contents: no navigation away from the app, no new windows, no <webview>. */
export function hardenWebContents(contents: WebContents, pageUrl: () => string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isNavigationAllowed(url, pageUrl())) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isNavigationAllowed(url, pageUrl())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLinkAllowed(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}
