ALTER TABLE `credentials` ADD `needs_reconnect` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `kind` text DEFAULT 'backup' NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `versions_pruned` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `files_checked` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `differences` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `schedules` ADD `action` text DEFAULT 'backup' NOT NULL;