CREATE TABLE `session_apps` (
	`id_hash` text NOT NULL,
	`client_id` text NOT NULL,
	`signed_in_at` integer NOT NULL,
	PRIMARY KEY(`id_hash`, `client_id`),
	FOREIGN KEY (`id_hash`) REFERENCES `user_sessions`(`id_hash`) ON UPDATE no action ON DELETE cascade
);
