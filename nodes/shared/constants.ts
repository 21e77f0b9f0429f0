/** Wire constants the nodes share with every Ping-compatible server (SPEC §5). */
export const SIGNATURE_HEADER = 'x-ping-signature';
/** Callbacks signed longer ago (or further ahead) than this are rejected. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
