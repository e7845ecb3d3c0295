// How far a signed request's time may be from the broker's clock, in either scheme.

/** A Date (or RFC 9421 `created`) more than this far from the broker's clock is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
