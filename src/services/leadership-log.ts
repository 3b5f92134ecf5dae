import type { Logger } from "../observability/logger.ts";

/**
 * Logs when this instance takes or loses the fleet's leadership (who runs the lease sweeper and
 * retention), so an operator reading one instance's journal sees when maintenance moved to or
 * from it. Fed by the lease sweeper, which asks every second; logs changes only, not every turn.
 */
export function leadershipLog(logger: Logger): (leads: boolean) => void {
  let leading = false;
  return (leads) => {
    if (leads === leading) return;
    leading = leads;
    if (leads)
      logger.info("took the fleet's leadership: this instance now runs the lease sweeper and retention", {
        leader: true,
      });
    else
      logger.warn(
        "lost the fleet's leadership (the database connection holding it dropped, or did not answer); another instance takes over, or this one again when it can",
        { leader: false },
      );
  };
}
