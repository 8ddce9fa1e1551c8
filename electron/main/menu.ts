import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../common/protocol.js';

export interface MenuActions {
  /** Sends a command to the page (which owns the film, the playhead and the settings). */
  command(command: MenuCommand): void;
  openWebsite(): void;
}

/** The application menu, as plain data (Electron builds it with Menu.buildFromTemplate). */
export function buildMenuTemplate(options: {
  isMac: boolean;
  isDev: boolean;
  appName: string;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const { isMac, isDev, appName, actions } = options;
  const run = (command: MenuCommand) => () => actions.command(command);
  const template: MenuItemConstructorOptions[] = [];
  if (isMac) {
    template.push({
      label: appName,
      submenu: [
        { role: 'about' },
        { type: 'separator' },
        { role: 'services' },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push(
    {
      label: 'File',
      submenu: [
        { label: 'Open Film…', accelerator: 'CmdOrCtrl+O', click: run('open-film') },
        { type: 'separator' },
        { label: 'Add Film to Render Queue', accelerator: 'CmdOrCtrl+Shift+R', click: run('queue-film') },
        { label: 'Add Range to Render Queue', accelerator: 'CmdOrCtrl+R', click: run('queue-range') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'Preview',
      submenu: [
        // Plain keys (I, O, P) are handled by the page so that they do not fire while typing in a field.
        { label: 'Set In Point', accelerator: 'I', registerAccelerator: false, click: run('set-in') },
        { label: 'Set Out Point', accelerator: 'O', registerAccelerator: false, click: run('set-out') },
        { label: 'Clear Range', click: run('clear-range') },
        { type: 'separator' },
        { label: 'Preview Frame', accelerator: 'P', registerAccelerator: false, click: run('preview-frame') },
        { label: 'Preview Range', accelerator: 'Shift+P', registerAccelerator: false, click: run('preview-range') },
        { type: 'separator' },
        { label: 'Colour Pin Tool', accelerator: 'C', registerAccelerator: false, click: run('pin-tool') },
      ],
    },
    {
      label: 'View',
      submenu: [
        ...(isDev ? ([{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] as MenuItemConstructorOptions[]) : []),
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'ChromaReel Website', click: () => actions.openWebsite() }] },
  );
  return template;
}
