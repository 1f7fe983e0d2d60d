CREATE TABLE `identity_sources` (
	`slug` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`show_on_login_page` integer DEFAULT true NOT NULL,
	`provisioning` text DEFAULT 'create' NOT NULL,
	`allowed_domains` text DEFAULT '[]' NOT NULL,
	`claim_map` text DEFAULT '{}' NOT NULL,
	`group_map` text NOT NULL,
	`trust_email_for_linking` integer DEFAULT false NOT NULL,
	`client_id` text NOT NULL,
	`scopes` text NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`secrets_encrypted` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user_identities` (
	`source` text NOT NULL,
	`subject` text NOT NULL,
	`user_id` text NOT NULL,
	`email` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`last_sign_in_at` integer NOT NULL,
	PRIMARY KEY(`source`, `subject`),
	FOREIGN KEY (`source`) REFERENCES `identity_sources`(`slug`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_identities_user` ON `user_identities` (`user_id`);--> statement-breakpoint
ALTER TABLE `apps` ADD `identity_source` text REFERENCES identity_sources(slug);