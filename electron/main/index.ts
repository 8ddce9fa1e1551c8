// Electron main process: one window, the menu, dialogs, and the host API over IPC. It stays thin: the
// engine does the work, host/ validates and guards paths, and this file only wires Electron to them.

import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, utilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../engine/index.js';
import { resolveInferenceEntry } from '../engine/model/launcher.js';
import { IPC, type HostEventName, type HostEvents } from '../common/protocol.js';
import { APP_HOST, APP_SCHEME, APP_URL, appProtocolResponse } from './app-protocol.js';
import { PathAllowList } from '../host/allow-list.js';
import { FILM_EXTENSIONS } from '../common/options.js';
import { createIpcHandlers } from '../host/handlers.js';
import { createPinStore } from '../host/pin-store.js';
import { createFileQueueStore } from '../host/queue-store.js';
import { RenderQueue } from '../host/render-queue.js';
import { utilityProcessLauncher, type UtilityFork } from './inference-launcher.js';
import { registerIpc } from './ipc-bridge.js';
import { hasFilmExtension, isRestorableJob } from '../host/chosen-paths.js';
import { buildMenuTemplate } from './menu.js';
import { isTrustedSenderUrl } from './security.js';
import { createMainWindow, hardenWebContents } from './window.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const pageUrl = devServerUrl ?? APP_URL;

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
app.enableSandbox();

if (!app.requestSingleInstanceLock()) app.quit();

let mainWindow: BrowserWindow | null = null;
const allowList = new PathAllowList();
const pendingFilms: string[] = [];

function sendEvent<E extends HostEventName>(event: E, payload: HostEvents[E]): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IPC.event, { event, payload });
}

/** A film handed to the app by the system (command line, second launch, macOS "Open With"). */
function openFilmFromSystem(file: string): void {
  if (!existsSync(file) || !hasFilmExtension(file)) return;
  const allowed = allowList.allowRead(file);
  if (mainWindow?.webContents.isLoading() === false) sendEvent('film:opened', allowed);
  else pendingFilms.push(allowed);
}

app.on('open-file', (event, file) => {
  event.preventDefault();
  openFilmFromSystem(file);
});
app.on('second-instance', (_event, argv) => {
  for (const arg of argv.slice(1)) openFilmFromSystem(path.resolve(arg));
  if (mainWindow) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  }
});
app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, () => pageUrl));

async function start(): Promise<void> {
  await app.whenReady();
  const rendererDir = path.join(here, '..', 'renderer');
  protocol.handle(APP_SCHEME, (request) => appProtocolResponse(rendererDir, request.url));
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  // ffmpeg, ffprobe and native-models ship in resources/ (extraResources); the engine finds them
  // through process.resourcesPath on its own.
  const engine = createEngine({
    cacheDir: path.join(app.getPath('userData'), 'cache'),
    inferenceLauncher: utilityProcessLauncher(utilityProcess.fork as unknown as UtilityFork, resolveInferenceEntry(here)),
  });
  const queue = await RenderQueue.open({
    engine,
    store: createFileQueueStore(path.join(app.getPath('userData'), 'queue.json')),
    onChange: (jobs) => sendEvent('queue:changed', jobs),
    authorize: (job) => ({ input: allowList.assertReadable(job.input), output: allowList.assertWritable(job.output) }),
    workRoot: path.join(app.getPath('userData'), 'work'),
  });
  // Jobs restored from an earlier session were chosen by the person then; the saved file is only
  // trusted as far as it still names a film and an output a save dialog could have given.
  for (const job of queue.list()) {
    if (!isRestorableJob(job)) continue;
    allowList.allowRead(job.input);
    allowList.allowWrite(job.output);
  }

  const handlers = createIpcHandlers({
    engine,
    allowList,
    queue,
    appInfo: {
      host: 'electron',
      version: app.getVersion(),
      platform: process.platform,
      allowedRoots: [],
      defaultOutputDir: app.getPath('videos'),
    },
    dialogs: {
      async chooseFilm() {
        const options: Electron.OpenDialogOptions = {
          title: 'Open a film',
          properties: ['openFile'],
          filters: [
            { name: 'Films', extensions: [...FILM_EXTENSIONS].map((extension) => extension.slice(1)) },
            { name: 'All files', extensions: ['*'] },
          ],
        };
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
      async chooseOutput(suggestedPath) {
        const options: Electron.SaveDialogOptions = {
          title: 'Save the colour film as',
          defaultPath: suggestedPath || undefined,
          filters: [{ name: 'MP4 video', extensions: ['mp4'] }],
          properties: ['showOverwriteConfirmation', 'createDirectory'],
        };
        const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? null : result.filePath;
      },
      async chooseHints() {
        const options: Electron.OpenDialogOptions = {
          title: 'Import colour pins',
          properties: ['openFile'],
          filters: [{ name: 'Hints files', extensions: ['json'] }],
        };
        const result = mainWindow ? await dialog.showOpenDialog(mainWindow, options) : await dialog.showOpenDialog(options);
        return result.canceled ? null : (result.filePaths[0] ?? null);
      },
      async chooseHintsOutput(suggestedPath) {
        const options: Electron.SaveDialogOptions = {
          title: 'Export colour pins as',
          defaultPath: suggestedPath || undefined,
          filters: [{ name: 'Hints files', extensions: ['json'] }],
          properties: ['showOverwriteConfirmation', 'createDirectory'],
        };
        const result = mainWindow ? await dialog.showSaveDialog(mainWindow, options) : await dialog.showSaveDialog(options);
        return result.canceled || !result.filePath ? null : result.filePath;
      },
    },
    pins: createPinStore(path.join(app.getPath('userData'), 'pins')),
    reveal: (file) => shell.showItemInFolder(file),
  });
  registerIpc(ipcMain, handlers, (url) => isTrustedSenderUrl(url, devServerUrl ?? `${APP_SCHEME}://${APP_HOST}/`));

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate({
        isMac: process.platform === 'darwin',
        isDev: !app.isPackaged,
        appName: app.getName(),
        actions: {
          command: (command) => sendEvent('menu:command', command),
          openWebsite: () => void shell.openExternal('https://github.com/chromareel/chromareel'),
        },
      }),
    ),
  );

  const createWindow = () => {
    mainWindow = createMainWindow({ preload: path.join(here, '..', 'preload', 'index.cjs'), pageUrl, devTools: !app.isPackaged });
    mainWindow.webContents.on('did-finish-load', () => {
      for (const film of pendingFilms.splice(0)) sendEvent('film:opened', film);
    });
    mainWindow.on('closed', () => {
      mainWindow = null;
    });
  };
  for (const arg of process.argv.slice(app.isPackaged ? 1 : 2)) openFilmFromSystem(path.resolve(arg));
  createWindow();

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting) return;
    quitting = true;
    event.preventDefault();
    // A running render is paused (resumable) and the queue saved before the app goes.
    void Promise.allSettled([queue.close()])
      .then(() => engine.close())
      .finally(() => app.quit());
  });
}

start().catch((error: unknown) => {
  dialog.showErrorBox('ChromaReel could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
});
