ALTER TABLE `apps` ADD `require_pkce` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `user_identities` ADD `proven` integer DEFAULT true NOT NULL;--> statement-breakpoint
-- Existing links: proven when the account's address is verified (an account created from an unverified upstream email is not).
UPDATE `user_identities` SET `proven` = (SELECT `email_verified` FROM `users` WHERE `users`.`id` = `user_identities`.`user_id`);
