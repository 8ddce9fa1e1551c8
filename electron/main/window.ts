import { BrowserWindow, shell, type WebContents } from 'electron';
import { guardWebContents, secureWebPreferences } from './security.js';

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
    webPreferences: secureWebPreferences(options.preload, options.devTools),
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(options.pageUrl);
  return window;
}

/** Every web contents: no navigation away from the app, no new windows, no <webview>. */
export function hardenWebContents(contents: WebContents, pageUrl: () => string): void {
  guardWebContents(contents, pageUrl, (url) => void shell.openExternal(url));
}
