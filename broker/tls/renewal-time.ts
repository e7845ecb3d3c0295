// When a certificate is renewed, and how long to wait after a failed attempt.

/** Renewal is due once two-thirds of the lifetime has passed (Let's Encrypt: day 60 of 90). */
export function renewalDue(notBefore: Date, notAfter: Date): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  return new Date(notBefore.getTime() + (lifetime * 2) / 3);
}

/** 10 s, 20 s, 40 s … up to an hour: a CA that is down is not hammered, nor given up on. */
export function retryDelayMs(failures: number): number {
  return Math.min(10_000 * 2 ** Math.max(0, failures - 1), 3_600_000);
}

/**
 * setTimeout holds at most 2^31-1 ms (about 24.8 days; a longer delay fires at once), so a
 * wait for day 60 is taken in steps and the time checked again after each.
 */
export const LONGEST_TIMER_MS = 2 ** 31 - 1;
