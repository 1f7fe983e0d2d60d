CREATE TABLE `daily_counts` (
	`day` text NOT NULL,
	`client_id` text DEFAULT '' NOT NULL,
	`sign_ins` integer DEFAULT 0 NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `client_id`)
);
