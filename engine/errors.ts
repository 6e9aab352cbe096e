/**
 * Domain errors. Each carries a stable code; the server maps codes to HTTP statuses,
 * the CLI prints the message. Nothing has been written when one of these is thrown.
 */
export type EngineErrorCode =
  | 'invalid_input'
  | 'office_not_found'
  | 'office_exists'
  | 'event_not_allowed'
  | 'version_mismatch'
  | 'import_invalid'
  | 'not_found'
  | 'conflict';

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const officeNotFound = (id: string) =>
  new EngineError('office_not_found', `No office with id "${id}".`, { id });
