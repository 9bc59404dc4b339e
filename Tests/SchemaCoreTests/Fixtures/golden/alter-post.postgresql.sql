-- operations
-- drop index on Post (title)
-- rename column Post.body to content
-- add column Post.rating float
-- alter column Post.score: type int → bigint, NOT NULL, default none → 0
-- alter column Post.title: constraints changed
-- drop column Post.legacy
-- create unique index on Post (title, rating)
-- risks
-- BC102 renames Post.body to content; clients using the old name break
-- MF108 makes Post.score NOT NULL; existing NULLs are set to the default
-- MF105 tightens the constraints of Post.title; fails on rows that violate them
-- DS103 drops column Post.legacy and its values
-- MF101 adds a unique index on Post (title, rating); fails on existing duplicates
-- RW101 rewrites table Post under ACCESS EXCLUSIVE: reads and writes of it wait until the rewrite ends (see the row count below)
-- checks
-- backfill rows of Post whose score is NULL, set to the default 0: SELECT COUNT(*) AS "count" FROM "Post" WHERE "score" IS NULL
-- violations rows of Post whose title is longer than 50 characters: SELECT COUNT(*) AS "count" FROM "Post" WHERE char_length("title") > 50
-- deletions values of Post.legacy, deleted with the column: SELECT COUNT(*) AS "count" FROM "Post" WHERE "legacy" IS NOT NULL
-- violations groups of rows of Post with the same (title, rating), which the new unique index refuses: SELECT COUNT(*) AS "count" FROM (SELECT "title" FROM "Post" WHERE "title" IS NOT NULL GROUP BY "title" HAVING COUNT(*) > 1) AS "duplicates"
-- copies rows of Post rewritten while reads and writes wait: SELECT COUNT(*) AS "count" FROM "Post"
-- stage: transaction
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" RENAME COLUMN "body" TO "content";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ADD COLUMN "rating" DOUBLE PRECISION NOT NULL DEFAULT 1;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ADD CONSTRAINT "Post_rating_check" CHECK ("rating" >= 0 AND "rating" <= 5) NOT VALID;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, while it rewrites the table
ALTER TABLE "Post" ALTER COLUMN "score" SET DATA TYPE BIGINT;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ALTER COLUMN "score" SET DEFAULT 0;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP CONSTRAINT IF EXISTS "Post_title_check";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, while it reads every row
ALTER TABLE "Post" ADD CONSTRAINT "Post_title_fits" CHECK (char_length("title") <= 50);
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP CONSTRAINT "Post_title_fits";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, while it rewrites the table
ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(50);
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP COLUMN "legacy";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ENABLE ROW LEVEL SECURITY;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" FORCE ROW LEVEL SECURITY;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DROP POLICY IF EXISTS "Post_create" ON "Post";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DROP POLICY IF EXISTS "Post_read" ON "Post";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DROP POLICY IF EXISTS "Post_update" ON "Post";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DROP POLICY IF EXISTS "Post_delete" ON "Post";
-- stage: online
-- lock: SHARE UPDATE EXCLUSIVE on Post, blocks neither reads nor writes, for a moment (catalog only)
DROP INDEX CONCURRENTLY IF EXISTS "Post_title_idx";
-- lock: SHARE UPDATE EXCLUSIVE on Post, blocks neither reads nor writes, while it reads every row
ALTER TABLE "Post" VALIDATE CONSTRAINT "Post_rating_check";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "ctid" >= CAST('(' || CAST($1 AS bigint) || ',0)' AS tid) AND "ctid" < CAST('(' || (CAST($1 AS bigint) + CAST($2 AS bigint)) || ',0)' AS tid) AND "score" IS NULL RETURNING 1) SELECT COUNT(*) AS "filled", pg_relation_size(CAST('"Post"' AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "filled";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP CONSTRAINT IF EXISTS "Post_score_not_null", ADD CONSTRAINT "Post_score_not_null" CHECK ("score" IS NOT NULL) NOT VALID;
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "batch" AS (SELECT "id" FROM "Post" WHERE "score" IS NULL LIMIT 5000), "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "score" IS NULL AND "id" IN (SELECT "id" FROM "batch") RETURNING 1) SELECT COUNT(*) AS "count" FROM "batch";
-- lock: SHARE UPDATE EXCLUSIVE on Post, blocks neither reads nor writes, while it reads every row
ALTER TABLE "Post" VALIDATE CONSTRAINT "Post_score_not_null";
-- lock: SHARE UPDATE EXCLUSIVE on Post, blocks neither reads nor writes, while it reads every row
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Post_title_rating_key" ON "Post"("title", "rating");
-- stage: finish
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ALTER COLUMN "score" SET NOT NULL;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP CONSTRAINT IF EXISTS "Post_score_not_null";
