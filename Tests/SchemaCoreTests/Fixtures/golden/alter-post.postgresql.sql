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
-- [contract] backfill rows of Post whose score is NULL, set to the default 0: SELECT COUNT(*) AS "count" FROM "Post" WHERE "score" IS NULL
-- [contract] violations rows of Post whose title is longer than 50 characters: SELECT COUNT(*) AS "count" FROM "Post" WHERE char_length("title") > 50
-- [contract] deletions values of Post.legacy, deleted with the column: SELECT COUNT(*) AS "count" FROM "Post" WHERE "legacy" IS NOT NULL
-- [contract] violations groups of rows of Post with the same (title, rating), which the new unique index refuses: SELECT COUNT(*) AS "count" FROM (SELECT "title", "rating" FROM "Post" WHERE "title" IS NOT NULL AND "rating" IS NOT NULL GROUP BY "title", "rating" HAVING COUNT(*) > 1) AS "duplicates"
-- [contract] copies rows of Post rewritten while reads and writes wait: SELECT COUNT(*) AS "count" FROM "Post"
-- [rollback] deletions values of Post.rating, deleted with the column: SELECT COUNT(*) AS "count" FROM "Post" WHERE "rating" IS NOT NULL
-- part: expand
-- stage: transaction
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ADD COLUMN "content" TEXT;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ADD COLUMN "rating" DOUBLE PRECISION NOT NULL DEFAULT 1;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ADD CONSTRAINT "Post_rating_check" CHECK ("rating" >= 0 AND "rating" <= 5) NOT VALID;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ADD COLUMN "score__widened" BIGINT;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ALTER COLUMN "score" SET DEFAULT 0;
CREATE OR REPLACE FUNCTION "Post_sync_a5554622"() RETURNS trigger LANGUAGE plpgsql AS $renamed$ BEGIN IF TG_OP = 'INSERT' THEN IF NEW."content" IS NULL THEN NEW."content" := NEW."body"; ELSE NEW."body" := NEW."content"; END IF; ELSE IF NEW."content" IS DISTINCT FROM OLD."content" THEN NEW."body" := NEW."content"; ELSIF NEW."body" IS DISTINCT FROM OLD."body" THEN NEW."content" := NEW."body"; END IF; END IF; NEW."score__widened" := NEW."score"; RETURN NEW; END $renamed$;
-- lock: SHARE ROW EXCLUSIVE on Post, blocks writes, for a moment (catalog only)
CREATE TRIGGER "Post_sync_a5554622" BEFORE INSERT OR UPDATE ON "Post" FOR EACH ROW EXECUTE FUNCTION "Post_sync_a5554622"();
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
-- lock: SHARE UPDATE EXCLUSIVE on Post, blocks neither reads nor writes, while it reads every row
ALTER TABLE "Post" VALIDATE CONSTRAINT "Post_rating_check";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "filled" AS (UPDATE "Post" SET "content" = "body" WHERE "ctid" >= CAST('(' || CAST($1 AS bigint) || ',0)' AS tid) AND "ctid" < CAST('(' || (CAST($1 AS bigint) + CAST($2 AS bigint)) || ',0)' AS tid) AND "content" IS NULL AND "body" IS NOT NULL RETURNING 1) SELECT COUNT(*) AS "filled", pg_relation_size(CAST('"Post"' AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "filled";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "batch" AS (SELECT "id" FROM "Post" WHERE "content" IS NULL AND "body" IS NOT NULL LIMIT 5000), "filled" AS (UPDATE "Post" SET "content" = "body" WHERE "content" IS NULL AND "body" IS NOT NULL AND "id" IN (SELECT "id" FROM "batch") RETURNING 1) SELECT COUNT(*) AS "count" FROM "batch";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "filled" AS (UPDATE "Post" SET "score__widened" = "score" WHERE "ctid" >= CAST('(' || CAST($1 AS bigint) || ',0)' AS tid) AND "ctid" < CAST('(' || (CAST($1 AS bigint) + CAST($2 AS bigint)) || ',0)' AS tid) AND "score__widened" IS NULL AND "score" IS NOT NULL RETURNING 1) SELECT COUNT(*) AS "filled", pg_relation_size(CAST('"Post"' AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "filled";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "batch" AS (SELECT "id" FROM "Post" WHERE "score__widened" IS NULL AND "score" IS NOT NULL LIMIT 5000), "filled" AS (UPDATE "Post" SET "score__widened" = "score" WHERE "score__widened" IS NULL AND "score" IS NOT NULL AND "id" IN (SELECT "id" FROM "batch") RETURNING 1) SELECT COUNT(*) AS "count" FROM "batch";
-- part: contract
-- stage: transaction
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DROP TRIGGER IF EXISTS "Post_sync_a5554622" ON "Post";
DROP FUNCTION IF EXISTS "Post_sync_a5554622"();
CREATE TEMPORARY TABLE "Post_policies_a5554622" ON COMMIT DROP AS SELECT DISTINCT policy.polrelid::regclass::text AS "table", policy.polname::text AS "name", format('CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s', policy.polname, policy.polrelid::regclass, CASE WHEN policy.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END, CASE policy.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END, CASE WHEN policy.polroles = '{0}' THEN 'PUBLIC' ELSE (SELECT string_agg(quote_ident(rolname), ', ') FROM pg_roles WHERE oid = ANY (policy.polroles)) END, ' USING (' || pg_get_expr(policy.polqual, policy.polrelid) || ')', ' WITH CHECK (' || pg_get_expr(policy.polwithcheck, policy.polrelid) || ')') AS "definition" FROM pg_policy AS policy JOIN pg_depend AS used ON used.classid = 'pg_policy'::regclass AND used.objid = policy.oid WHERE used.refclassid = 'pg_class'::regclass AND used.refobjid = '"Post"'::regclass AND used.refobjsubid IN (SELECT attnum FROM pg_attribute WHERE attrelid = '"Post"'::regclass AND attname IN ('score'));
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DO $policies$ DECLARE kept record; BEGIN FOR kept IN SELECT * FROM pg_temp."Post_policies_a5554622" LOOP EXECUTE format('DROP POLICY %I ON %s', kept."name", kept."table"); END LOOP; END $policies$;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP COLUMN "score";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" RENAME COLUMN "score__widened" TO "score";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DO $policies$ DECLARE kept record; BEGIN FOR kept IN SELECT * FROM pg_temp."Post_policies_a5554622" LOOP EXECUTE kept."definition"; END LOOP; END $policies$;
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
ALTER TABLE "Post" DROP COLUMN "body";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP COLUMN "legacy";
-- stage: online
-- lock: SHARE UPDATE EXCLUSIVE on Post, blocks neither reads nor writes, for a moment (catalog only)
DROP INDEX CONCURRENTLY IF EXISTS "Post_title_idx";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "ctid" >= CAST('(' || CAST($1 AS bigint) || ',0)' AS tid) AND "ctid" < CAST('(' || (CAST($1 AS bigint) + CAST($2 AS bigint)) || ',0)' AS tid) AND "score" IS NULL RETURNING 1) SELECT COUNT(*) AS "filled", pg_relation_size(CAST('"Post"' AS regclass)) / current_setting('block_size')::bigint AS "pages" FROM "filled";
-- lock: ROW EXCLUSIVE on Post, blocks neither reads nor writes, row locks only, in short batches
WITH "batch" AS (SELECT "id" FROM "Post" WHERE "score" IS NULL LIMIT 5000), "filled" AS (UPDATE "Post" SET "score" = 0 WHERE "score" IS NULL AND "id" IN (SELECT "id" FROM "batch") RETURNING 1) SELECT COUNT(*) AS "count" FROM "batch";
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
-- part: rollback
-- stage: transaction
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
DROP TRIGGER IF EXISTS "Post_sync_a5554622" ON "Post";
DROP FUNCTION IF EXISTS "Post_sync_a5554622"();
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" ALTER COLUMN "score" DROP DEFAULT;
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP COLUMN "content";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP COLUMN "rating";
-- lock: ACCESS EXCLUSIVE on Post, blocks reads and writes, for a moment (catalog only)
ALTER TABLE "Post" DROP COLUMN "score__widened";
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
