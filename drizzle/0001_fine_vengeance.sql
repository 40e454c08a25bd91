CREATE TABLE `remote_index` (
	`store_key` text NOT NULL,
	`path` text NOT NULL,
	`size` integer NOT NULL,
	`mtime` integer,
	`remote_id` text,
	`server_time` integer,
	`uploaded_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `remote_index_key_path` ON `remote_index` (`store_key`,`path`);--> statement-breakpoint
CREATE TABLE `remote_index_state` (
	`store_key` text NOT NULL,
	`top` text NOT NULL,
	`complete` integer DEFAULT false NOT NULL,
	`last_full_at` integer,
	`runs_since_full` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `remote_index_state_key_top` ON `remote_index_state` (`store_key`,`top`);