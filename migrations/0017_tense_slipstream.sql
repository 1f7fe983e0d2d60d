CREATE TABLE `saml_assertions_seen` (
	`source` text NOT NULL,
	`assertion_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`source`, `assertion_id`)
);
--> statement-breakpoint
CREATE INDEX `saml_assertions_seen_expires` ON `saml_assertions_seen` (`expires_at`);