import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_URL, appProtocolResponse } from '../../electron/main/app-protocol.js';
import { buildMenuTemplate } from '../../electron/main/menu.js';
import { EventEmitter } from 'node:events';
import {
  guardWebContents,
  isExternalLinkAllowed,
  isNavigationAllowed,
  isTrustedSenderUrl,
  secureWebPreferences,
} from '../../electron/main/security.js';
import { contentSecurityPolicy, securityHeaders } from '../../electron/host/security-headers.js';
import { resolveStaticPath } from '../../electron/host/static-path.js';
import type { MenuCommand } from '../../electron/common/protocol.js';

describe('content security policy', () => {
  it('allows only our own scripts and styles, images from blobs, and no frames or plugins', () => {
    const csp = contentSecurityPolicy({ connect: ['ws://127.0.0.1:4000'] });
    const directives = Object.fromEntries(csp.split('; ').map((part) => [part.split(' ')[0], part.split(' ').slice(1)]));
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['img-src']).toEqual(["'self'", 'blob:', 'data:']);
    expect(directives['connect-src']).toEqual(["'self'", 'ws://127.0.0.1:4000']);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(securityHeaders()['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('navigation rules', () => {
  it('keeps the window on the app page', () => {
    expect(isNavigationAllowed(APP_URL, APP_URL)).toBe(true);
    expect(isNavigationAllowed('app://chromareel/index.html#x', APP_URL)).toBe(true);
    expect(isNavigationAllowed('app://chromareel/other.html', APP_URL)).toBe(false);
    expect(isNavigationAllowed('https://example.com/', APP_URL)).toBe(false);
    expect(isNavigationAllowed('file:///etc/passwd', APP_URL)).toBe(false);
    expect(isNavigationAllowed('not a url', APP_URL)).toBe(false);
  });

  it("opens only the project's own https pages outside the app", () => {
    expect(isExternalLinkAllowed('https://github.com/chromareel/chromareel')).toBe(true);
    expect(isExternalLinkAllowed('https://github.com/chromareel/chromareel/blob/main/LICENSE')).toBe(true);
    expect(isExternalLinkAllowed('https://github.com/')).toBe(false);
    expect(isExternalLinkAllowed('https://github.com/chromareel/chromareel-evil')).toBe(false);
    expect(isExternalLinkAllowed('https://evil.example/chromareel/chromareel')).toBe(false);
    expect(isExternalLinkAllowed('https://github.com.evil.example/chromareel/chromareel')).toBe(false);
    expect(isExternalLinkAllowed('https://user:pw@github.com/chromareel/chromareel')).toBe(false);
    expect(isExternalLinkAllowed('http://example.com/')).toBe(false);
    expect(isExternalLinkAllowed('file:///etc/passwd')).toBe(false);
    expect(isExternalLinkAllowed('javascript:alert(1)')).toBe(false);
  });
});

describe('IPC senders', () => {
  it('are trusted only from exactly the app or dev-server origin, not from a look-alike prefix', () => {
    expect(isTrustedSenderUrl('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isTrustedSenderUrl('http://localhost:5173.evil.example/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('http://localhost:51730/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('http://user@localhost:5173/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('https://localhost:5173/', 'http://localhost:5173')).toBe(false);
    expect(isTrustedSenderUrl('app://chromareel/index.html', 'app://chromareel/')).toBe(true);
    expect(isTrustedSenderUrl('app://chromareel.evil/index.html', 'app://chromareel/')).toBe(false);
    expect(isTrustedSenderUrl('not a url', 'app://chromareel/')).toBe(false);
  });
});

describe('the window', () => {
  it('is isolated and sandboxed, without Node, webviews or devtools when packaged', () => {
    expect(secureWebPreferences('/app/preload/index.cjs', false)).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      devTools: false,
    });
  });

  it('stops navigation away, refuses webviews and opens no windows', () => {
    // An EventEmitter with setWindowOpenHandler stands in for Electron's WebContents (no binary here).
    const contents = Object.assign(new EventEmitter(), {
      openHandler: null as ((details: { url: string }) => { action: 'deny' }) | null,
      setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }) {
        this.openHandler = handler;
      },
    });
    const opened: string[] = [];
    guardWebContents(
      contents,
      () => APP_URL,
      (url) => opened.push(url),
    );
    const attempt = (event: string, url?: string) => {
      let prevented = false;
      contents.emit(event, { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(attempt('will-navigate', 'https://example.com/')).toBe(true);
    expect(attempt('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(attempt('will-redirect', 'http://127.0.0.1:9/')).toBe(true);
    expect(attempt('will-navigate', `${APP_URL}#film`)).toBe(false);
    expect(attempt('will-attach-webview')).toBe(true);
    expect(contents.openHandler?.({ url: 'https://github.com/chromareel/chromareel' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'app://chromareel/index.html' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://github.com/chromareel/chromareel']);
  });
});

describe('serving the page from app://', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(tmpdir(), 'chromareel-app-'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('never resolves outside the renderer folder', () => {
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/a.js?x=1')).toBe(path.join(root, 'assets', 'a.js'));
    expect(resolveStaticPath(root, '/../secret')).toBeNull();
    expect(resolveStaticPath(root, '/%2e%2e/%2e%2e/etc/passwd')).toBeNull();
    expect(resolveStaticPath(root, '/..%2fsecret')).toBeNull();
    expect(resolveStaticPath(root, '/%00')).toBeNull();
  });

  it('answers with the file and the CSP header, or 404', async () => {
    const page = await appProtocolResponse(root, APP_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await page.text()).toContain('<title>t</title>');
    expect((await appProtocolResponse(root, 'app://chromareel/missing.js')).status).toBe(404);
    expect((await appProtocolResponse(root, 'app://elsewhere/index.html')).status).toBe(404);
  });
});

describe('application menu', () => {
  it('routes its commands to the page and shows developer tools only in development', () => {
    const sent: MenuCommand[] = [];
    const template = buildMenuTemplate({
      isMac: false,
      isDev: false,
      appName: 'ChromaReel',
      actions: { command: (command) => sent.push(command), openWebsite: () => undefined },
    });
    const file = template.find((menu) => menu.label === 'File');
    const items = (file?.submenu ?? []) as { label?: string; click?: () => void }[];
    items.find((item) => item.label === 'Open Film…')?.click?.();
    items.find((item) => item.label === 'Add Range to Render Queue')?.click?.();
    expect(sent).toEqual(['open-film', 'queue-range']);
    const serialized = JSON.stringify(template);
    expect(serialized).not.toContain('toggleDevTools');
    expect(
      JSON.stringify(
        buildMenuTemplate({
          isMac: true,
          isDev: true,
          appName: 'ChromaReel',
          actions: { command: () => undefined, openWebsite: () => undefined },
        }),
      ),
    ).toContain('toggleDevTools');
  });
});
