-- queue_counts is kept exact by these triggers rather than by each code path that moves a
-- message: publish, lease, ack, nack, expiry, dead-lettering, redrive, group promotion, purge,
-- retention, queue delete and the release at shutdown are all an INSERT, a DELETE or an UPDATE of
-- state/queue on messages, so none of them can forget to count (a missed path would drift forever).
-- An UPDATE that leaves state and queue alone (extend, a nack that stays ready) changes no count.
CREATE TRIGGER `messages_count_insert` AFTER INSERT ON `messages` BEGIN
  INSERT INTO `queue_counts` (`queue`, `state`, `n`) VALUES (NEW.`queue`, NEW.`state`, 1)
    ON CONFLICT (`queue`, `state`) DO UPDATE SET `n` = `n` + excluded.`n`;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_count_delete` AFTER DELETE ON `messages` BEGIN
  INSERT INTO `queue_counts` (`queue`, `state`, `n`) VALUES (OLD.`queue`, OLD.`state`, -1)
    ON CONFLICT (`queue`, `state`) DO UPDATE SET `n` = `n` + excluded.`n`;
END;
--> statement-breakpoint
CREATE TRIGGER `messages_count_update` AFTER UPDATE OF `state`, `queue` ON `messages`
  WHEN OLD.`state` IS NOT NEW.`state` OR OLD.`queue` IS NOT NEW.`queue` BEGIN
  INSERT INTO `queue_counts` (`queue`, `state`, `n`) VALUES (OLD.`queue`, OLD.`state`, -1)
    ON CONFLICT (`queue`, `state`) DO UPDATE SET `n` = `n` + excluded.`n`;
  INSERT INTO `queue_counts` (`queue`, `state`, `n`) VALUES (NEW.`queue`, NEW.`state`, 1)
    ON CONFLICT (`queue`, `state`) DO UPDATE SET `n` = `n` + excluded.`n`;
END;
--> statement-breakpoint
-- The one-time fill for a data file that already holds messages; from here on the triggers count.
INSERT INTO `queue_counts` (`queue`, `state`, `n`) SELECT `queue`, `state`, count(*) FROM `messages` GROUP BY `queue`, `state`;
