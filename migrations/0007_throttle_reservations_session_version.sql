ALTER TABLE `login_throttle` ADD `pending` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `login_throttle` ADD `pending_until` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `login_throttle_last_failure` ON `login_throttle` (`last_failure_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `session_version` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `user_sessions_expires` ON `user_sessions` (`expires_at`);