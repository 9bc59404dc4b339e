-- BlogPost create
CREATE TABLE "BlogPost" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "authorId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" BIGINT NOT NULL,
    "publishedAt" DATETIME,
    "slug" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "tenantId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "viewCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "BlogPost_slug_check" CHECK (length("slug") <= 120),
    CONSTRAINT "BlogPost_status_check" CHECK ("status" IN ('archived', 'draft', 'published')),
    CONSTRAINT "BlogPost_title_check" CHECK (length("title") <= 200),
    CONSTRAINT "BlogPost_viewCount_check" CHECK ("viewCount" >= 0),
    CONSTRAINT "BlogPost_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "BlogPost_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "BlogPost_authorId_idx" ON "BlogPost"("authorId");
CREATE INDEX "BlogPost_status_publishedAt_idx" ON "BlogPost"("status", "publishedAt");
CREATE UNIQUE INDEX "BlogPost_tenantId_slug_key" ON "BlogPost"("tenantId", "slug");

-- BlogComment create
CREATE TABLE "BlogComment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "authorId" TEXT,
    "body" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postId" TEXT NOT NULL,
    CONSTRAINT "BlogComment_body_check" CHECK (length("body") <= 2000),
    CONSTRAINT "BlogComment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "BlogComment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "BlogPost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "BlogComment_postId_createdAt_idx" ON "BlogComment"("postId", "createdAt");

-- MediaItem create
CREATE TABLE "MediaItem" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "filename" TEXT NOT NULL,
    "metadata" JSONB,
    "mimeType" TEXT NOT NULL,
    "ownerId" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "uploadedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "MediaItem_filename_check" CHECK (length("filename") <= 255),
    CONSTRAINT "MediaItem_mimeType_check" CHECK (length("mimeType") <= 100),
    CONSTRAINT "MediaItem_sizeBytes_check" CHECK ("sizeBytes" >= 0),
    CONSTRAINT "MediaItem_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "MediaItem_mimeType_idx" ON "MediaItem"("mimeType");
CREATE INDEX "MediaItem_ownerId_idx" ON "MediaItem"("ownerId");

-- Tag create
CREATE TABLE "Tag" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "color" TEXT,
    "name" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    CONSTRAINT "Tag_color_check" CHECK (length("color") <= 7),
    CONSTRAINT "Tag_name_check" CHECK (length("name") <= 64),
    CONSTRAINT "Tag_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "Tag_tenantId_name_key" ON "Tag"("tenantId", "name");

-- Tagging create
CREATE TABLE "Tagging" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "entity" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "tagId" TEXT NOT NULL,
    CONSTRAINT "Tagging_entity_check" CHECK (length("entity") <= 64),
    CONSTRAINT "Tagging_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "Tag" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "Tagging_entity_entityId_idx" ON "Tagging"("entity", "entityId");
CREATE INDEX "Tagging_tagId_idx" ON "Tagging"("tagId");
CREATE UNIQUE INDEX "Tagging_tagId_entity_entityId_key" ON "Tagging"("tagId", "entity", "entityId");
