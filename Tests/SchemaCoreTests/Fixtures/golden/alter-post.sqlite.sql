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
-- checks
-- backfill rows of Post whose score is NULL, set to the default 0: SELECT COUNT(*) AS "count" FROM "Post" WHERE "score" IS NULL
-- violations rows of Post whose title breaks the new constraint (length("title") <= 50): SELECT COUNT(*) AS "count" FROM "Post" WHERE NOT (length("title") <= 50)
-- deletions values of Post.legacy, deleted with the column: SELECT COUNT(*) AS "count" FROM "Post" WHERE "legacy" IS NOT NULL
-- violations groups of rows of Post with the same (title, rating), which the new unique index refuses: SELECT COUNT(*) AS "count" FROM (SELECT "title" FROM "Post" WHERE "title" IS NOT NULL GROUP BY "title" HAVING COUNT(*) > 1) AS "duplicates"
-- copies rows of Post copied into the rebuilt table: SELECT COUNT(*) AS "count" FROM "Post"
-- stage: transaction
PRAGMA defer_foreign_keys=ON;
CREATE TABLE "new_Post" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "content" TEXT,
    "rating" REAL NOT NULL DEFAULT 1,
    "score" BIGINT NOT NULL DEFAULT 0,
    "title" TEXT NOT NULL,
    CONSTRAINT "Post_rating_check" CHECK ("rating" >= 0 AND "rating" <= 5),
    CONSTRAINT "Post_title_check" CHECK (length("title") <= 50)
);
INSERT INTO "new_Post" ("id", "content", "score", "title") SELECT "id", "body", COALESCE("score", 0), "title" FROM "Post";
DROP TABLE "Post";
ALTER TABLE "new_Post" RENAME TO "Post";
CREATE UNIQUE INDEX "Post_title_rating_key" ON "Post"("title", "rating");
