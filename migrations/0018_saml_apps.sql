CREATE TABLE `saml_apps` (
	`client_id` text PRIMARY KEY NOT NULL,
	`entity_id` text NOT NULL,
	`name_id_format` text NOT NULL,
	`attribute_names` text DEFAULT '{}' NOT NULL,
	`sign` text DEFAULT 'assertion' NOT NULL,
	`requests_signed` integer DEFAULT false NOT NULL,
	`certificates` text DEFAULT '[]' NOT NULL,
	`pseudonym_key` text NOT NULL,
	FOREIGN KEY (`client_id`) REFERENCES `apps`(`client_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `saml_apps_entity_id` ON `saml_apps` (`entity_id`);--> statement-breakpoint
ALTER TABLE `apps` ADD `protocol` text DEFAULT 'oidc' NOT NULL;