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
DROP INDEX "Post_title_idx";
ALTER TABLE "Post" RENAME COLUMN "body" TO "content";
ALTER TABLE "Post" ADD COLUMN "rating" DOUBLE PRECISION NOT NULL DEFAULT 1;
ALTER TABLE "Post" ADD CONSTRAINT "Post_rating_check" CHECK ("rating" >= 0 AND "rating" <= 5);
ALTER TABLE "Post" ALTER COLUMN "score" SET DATA TYPE BIGINT USING "score"::BIGINT;
ALTER TABLE "Post" ALTER COLUMN "score" SET DEFAULT 0;
UPDATE "Post" SET "score" = 0 WHERE "score" IS NULL;
ALTER TABLE "Post" ALTER COLUMN "score" SET NOT NULL;
ALTER TABLE "Post" DROP CONSTRAINT IF EXISTS "Post_title_check";
ALTER TABLE "Post" ALTER COLUMN "title" SET DATA TYPE VARCHAR(50) USING "title"::VARCHAR(50);
ALTER TABLE "Post" DROP COLUMN "legacy";
CREATE UNIQUE INDEX "Post_title_rating_key" ON "Post"("title", "rating");
ALTER TABLE "Post" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Post" FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Post_create" ON "Post";
DROP POLICY IF EXISTS "Post_read" ON "Post";
DROP POLICY IF EXISTS "Post_update" ON "Post";
DROP POLICY IF EXISTS "Post_delete" ON "Post";
