CREATE TABLE `branding_images` (
	`hash` text PRIMARY KEY NOT NULL,
	`content_type` text NOT NULL,
	`data` text NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL
);
