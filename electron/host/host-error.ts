import { isEngineError } from '../engine/errors.js';
import type { HostOnlyErrorCode, WireError } from '../common/protocol.js';

/** A refusal by the host itself (not the engine): a path nobody chose, a malformed request. */
export class HostError extends Error {
  readonly code: HostOnlyErrorCode;

  constructor(code: HostOnlyErrorCode, message: string) {
    super(message);
    this.name = 'HostError';
    this.code = code;
  }
}

/** The plain-words form of any error, safe to send to the page (no stacks, no stderr). */
export function toWireError(error: unknown): WireError {
  if (isEngineError(error)) return { code: error.code, message: error.message };
  if (error instanceof HostError) return { code: error.code, message: error.message };
  const reason = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `Something unexpected went wrong (${reason}); try again, and report it if it keeps happening.` };
}
