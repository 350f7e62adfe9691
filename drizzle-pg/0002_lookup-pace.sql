CREATE TABLE "lookup_pace" (
	"id" integer PRIMARY KEY NOT NULL,
	"next_at" bigint NOT NULL,
	"paused_until" bigint DEFAULT 0 NOT NULL
);
