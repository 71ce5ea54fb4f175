/** A problem with what the user configured: the message names the input and what it accepts. */
export class InputError extends Error {
  override name = 'InputError'
}

/** A failure the user can act on, with a message that already says what to do. */
export class ActionError extends Error {
  override name = 'ActionError'
}

/** Turns anything thrown into one line of text, without losing a non-Error value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  if (typeof error === 'string') return error
  try {
    return JSON.stringify(error)
  } catch {
    return String(error)
  }
}
