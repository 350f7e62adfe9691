/**
 * When the next profile look-up may start (SPEC §13–§14): PROFILE_LOOKUPS_PER_S is a budget of
 * the whole deployment, not of each instance, because Meta counts the app's calls, not ours.
 * One instance keeps the pace in memory; several share it through the store.
 */
export interface LookupPace {
  /**
   * Takes the next start: the time (≥ `now`) at which the caller may start one look-up. Later
   * callers, on any instance, get starts at least `spacingMs` after it, and after any pause.
   */
  reserve(now: number, spacingMs: number): Promise<number>;
  /** Meta said slow down: nobody starts a look-up before `until`. */
  pause(until: number): Promise<void>;
}
