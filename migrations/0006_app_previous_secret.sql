ALTER TABLE `apps` ADD `previous_secret_encrypted` text;--> statement-breakpoint
ALTER TABLE `apps` ADD `previous_secret_expires_at` integer;