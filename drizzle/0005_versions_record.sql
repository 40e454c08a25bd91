CREATE TABLE `remote_versions` (
	`store_key` text NOT NULL,
	`stamp` text NOT NULL,
	`path` text NOT NULL,
	`first_seen` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `remote_versions_key_stamp_path` ON `remote_versions` (`store_key`,`stamp`,`path`);--> statement-breakpoint
ALTER TABLE `remote_index` ADD `first_seen` integer;