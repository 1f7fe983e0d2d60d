ALTER TABLE `oauth_codes` ADD `source` text;--> statement-breakpoint
ALTER TABLE `oauth_refresh_tokens` ADD `source` text;