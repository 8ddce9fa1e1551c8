// The Electron window's rules: web preferences, navigation, external links, trusted IPC senders.
// No Electron imports: the rules are plain data and functions, tested on their own. The page's
// Content-Security-Policy and headers, shared with the browser-mode server, are in host/security-headers.ts.

/** The window's web preferences: an isolated, sandboxed page without Node; only the preload bridges. */
export function secureWebPreferences(preload: string, devTools: boolean) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools,
  } as const;
}

/** Navigation inside the window is never allowed away from the app's own page. */
export function isNavigationAllowed(targetUrl: string, appUrl: string): boolean {
  try {
    const target = new URL(targetUrl);
    const app = new URL(appUrl);
    // Compare scheme and host rather than origin: a custom scheme (app://) has an opaque origin in Node.
    return target.protocol === app.protocol && target.host === app.host && target.pathname === app.pathname;
  } catch {
    return false;
  }
}

/** The only sites the app opens in the system browser: its own project pages. */
const EXTERNAL_LINK_ORIGINS: readonly string[] = ['https://github.com'];
const EXTERNAL_LINK_PATH = /^\/chromareel\/chromareel(\/|$)/;

/**
 * Links the person may open in their browser (the project's pages: the website menu item, the licence):
 * https on an allowed origin, under the project's own path, with no user name or password in it.
 * Everything else is denied, so a page cannot use the app to open arbitrary sites or handlers.
 */
export function isExternalLinkAllowed(url: string): boolean {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) return false;
    return EXTERNAL_LINK_ORIGINS.includes(parsed.origin) && EXTERNAL_LINK_PATH.test(parsed.pathname);
  } catch {
    return false;
  }
}

/**
 * Whether an IPC message comes from the app's own page: its URL's origin must equal the trusted
 * origin exactly (a prefix test would let "http://localhost:5173.evil.example" through).
 */
export function isTrustedSenderUrl(senderUrl: string, trustedUrl: string): boolean {
  try {
    const sender = new URL(senderUrl);
    const trusted = new URL(trustedUrl);
    // A custom scheme (app://) has an opaque origin ("null") in Node, so compare its parts instead.
    return sender.protocol === trusted.protocol && sender.host === trusted.host && sender.username === '' && sender.password === '';
  } catch {
    return false;
  }
}

/** The slice of Electron's WebContents the guard uses (structural, so it is tested without Electron). */
export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Keeps a web contents on the app's page: navigation and redirects elsewhere are stopped, <webview> is
 * refused, and no window is ever opened (an https link goes to the system browser instead).
 */
export function guardWebContents(contents: GuardedContents, pageUrl: () => string, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event, url) => {
    if (!isNavigationAllowed(url, pageUrl())) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isNavigationAllowed(url, pageUrl())) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLinkAllowed(url)) openExternal(url);
    return { action: 'deny' };
  });
}
