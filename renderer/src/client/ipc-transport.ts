import { BRIDGE_GLOBAL, type PreloadBridge } from '../../../electron/common/protocol.js';
import type { HostTransport } from './transport.js';

/** The bridge the Electron preload put on window.chromareel, if this page runs inside the app. */
export function findPreloadBridge(scope: object = globalThis): PreloadBridge | null {
  const bridge = (scope as Record<string, unknown>)[BRIDGE_GLOBAL];
  return bridge && typeof bridge === 'object' ? (bridge as PreloadBridge) : null;
}

export function createIpcTransport(bridge: PreloadBridge): HostTransport {
  return {
    host: 'electron',
    call: (method, request) => bridge.call(method, request),
    openStream: (name, request, handlers) => bridge.openStream(name, request, handlers),
    on: (event, listener) => bridge.on(event, listener),
    openDroppedFile: (file) => bridge.openDroppedFile(file),
    // The main process lives as long as the window; there is no connection to lose.
    onDisconnect: () => () => undefined,
    close: () => undefined,
  };
}
