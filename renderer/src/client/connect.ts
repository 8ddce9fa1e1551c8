import { createEngineClient, type EngineClient } from './engine-client.js';
import { createIpcTransport, findPreloadBridge } from './ipc-transport.js';
import { connectWebSocketTransport, tokenFromLocation, webSocketUrl } from './ws-transport.js';

const TOKEN_KEY = 'chromareel.session-token';

/** Inside the desktop app: the preload bridge. In a browser: the server's WebSocket, token from the URL. */
export async function connectEngineClient(): Promise<EngineClient> {
  const bridge = findPreloadBridge();
  if (bridge) return createEngineClient(createIpcTransport(bridge));
  const token = tokenFromLocation(window.location) ?? sessionStorage.getItem(TOKEN_KEY);
  if (!token) {
    throw new Error('This page needs the address "npm run serve" printed, including the part after #; open that address.');
  }
  // Keep the key out of the address bar (bookmarks, screen shares); this tab keeps it for a reload.
  sessionStorage.setItem(TOKEN_KEY, token);
  history.replaceState(null, '', window.location.pathname + window.location.search);
  return createEngineClient(await connectWebSocketTransport(webSocketUrl(window.location.origin, token)));
}
