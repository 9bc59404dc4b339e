-- BlogPost create
CREATE TABLE "BlogPost" (
    "id" TEXT NOT NULL,
    "authorId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" BIGINT NOT NULL,
    "publishedAt" TIMESTAMP(3),
    "slug" VARCHAR(120) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'draft',
    "tenantId" TEXT NOT NULL,
    "title" VARCHAR(200) NOT NULL,
    "viewCount" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "BlogPost_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "BlogPost_status_check" CHECK ("status" IN ('archived', 'draft', 'published')),
    CONSTRAINT "BlogPost_viewCount_check" CHECK ("viewCount" >= 0)
);
CREATE INDEX "BlogPost_authorId_idx" ON "BlogPost"("authorId");
CREATE INDEX "BlogPost_status_publishedAt_idx" ON "BlogPost"("status", "publishedAt");
CREATE UNIQUE INDEX "BlogPost_tenantId_slug_key" ON "BlogPost"("tenantId", "slug");
ALTER TABLE "BlogPost" ADD CONSTRAINT "BlogPost_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BlogPost" ADD CONSTRAINT "BlogPost_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BlogPost" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "BlogPost" FORCE ROW LEVEL SECURITY;
CREATE POLICY "BlogPost_create" ON "BlogPost" FOR INSERT WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 1));
CREATE POLICY "BlogPost_read" ON "BlogPost" FOR SELECT USING ((((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogPost"."authorId"::text = NULLIF(current_setting('app.user_id', true), '')))) OR ("BlogPost"."status"::text = 'published'));
CREATE POLICY "BlogPost_update" ON "BlogPost" FOR UPDATE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogPost"."authorId"::text = NULLIF(current_setting('app.user_id', true), '')))) WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogPost"."authorId"::text = NULLIF(current_setting('app.user_id', true), ''))));
CREATE POLICY "BlogPost_delete" ON "BlogPost" FOR DELETE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 3) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogPost"."authorId"::text = NULLIF(current_setting('app.user_id', true), ''))));

-- BlogComment create
CREATE TABLE "BlogComment" (
    "id" TEXT NOT NULL,
    "authorId" TEXT,
    "body" VARCHAR(2000) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "postId" TEXT NOT NULL,
    CONSTRAINT "BlogComment_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "BlogComment_postId_createdAt_idx" ON "BlogComment"("postId", "createdAt");
ALTER TABLE "BlogComment" ADD CONSTRAINT "BlogComment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "BlogComment" ADD CONSTRAINT "BlogComment_postId_fkey" FOREIGN KEY ("postId") REFERENCES "BlogPost"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "BlogComment" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "BlogComment" FORCE ROW LEVEL SECURITY;
CREATE POLICY "BlogComment_create" ON "BlogComment" FOR INSERT WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 1));
CREATE POLICY "BlogComment_read" ON "BlogComment" FOR SELECT USING ((true));
CREATE POLICY "BlogComment_update" ON "BlogComment" FOR UPDATE USING ((NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogComment"."authorId"::text = NULLIF(current_setting('app.user_id', true), '')))) WITH CHECK ((NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogComment"."authorId"::text = NULLIF(current_setting('app.user_id', true), ''))));
CREATE POLICY "BlogComment_delete" ON "BlogComment" FOR DELETE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("BlogComment"."authorId"::text = NULLIF(current_setting('app.user_id', true), ''))));

-- MediaItem create
CREATE TABLE "MediaItem" (
    "id" TEXT NOT NULL,
    "filename" VARCHAR(255) NOT NULL,
    "metadata" JSONB,
    "mimeType" VARCHAR(100) NOT NULL,
    "ownerId" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "uploadedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "MediaItem_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "MediaItem_sizeBytes_check" CHECK ("sizeBytes" >= 0)
);
CREATE INDEX "MediaItem_mimeType_idx" ON "MediaItem"("mimeType");
CREATE INDEX "MediaItem_ownerId_idx" ON "MediaItem"("ownerId");
ALTER TABLE "MediaItem" ADD CONSTRAINT "MediaItem_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "MediaItem" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "MediaItem" FORCE ROW LEVEL SECURITY;
CREATE POLICY "MediaItem_create" ON "MediaItem" FOR INSERT WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 1));
CREATE POLICY "MediaItem_read" ON "MediaItem" FOR SELECT USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 3) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("MediaItem"."ownerId"::text = NULLIF(current_setting('app.user_id', true), ''))));
CREATE POLICY "MediaItem_update" ON "MediaItem" FOR UPDATE USING ((NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("MediaItem"."ownerId"::text = NULLIF(current_setting('app.user_id', true), '')))) WITH CHECK ((NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("MediaItem"."ownerId"::text = NULLIF(current_setting('app.user_id', true), ''))));
CREATE POLICY "MediaItem_delete" ON "MediaItem" FOR DELETE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 3) OR (NULLIF(current_setting('app.user_id', true), '') IS NOT NULL AND ("MediaItem"."ownerId"::text = NULLIF(current_setting('app.user_id', true), ''))));

-- Tag create
CREATE TABLE "Tag" (
    "id" TEXT NOT NULL,
    "color" VARCHAR(7),
    "name" VARCHAR(64) NOT NULL,
    "tenantId" TEXT NOT NULL,
    CONSTRAINT "Tag_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Tag_tenantId_name_key" ON "Tag"("tenantId", "name");
ALTER TABLE "Tag" ADD CONSTRAINT "Tag_tenantId_fkey" FOREIGN KEY ("tenantId") REFERENCES "Tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Tag" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Tag" FORCE ROW LEVEL SECURITY;
CREATE POLICY "Tag_create" ON "Tag" FOR INSERT WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2));
CREATE POLICY "Tag_read" ON "Tag" FOR SELECT USING ((true));
CREATE POLICY "Tag_update" ON "Tag" FOR UPDATE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2)) WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2));
CREATE POLICY "Tag_delete" ON "Tag" FOR DELETE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 3));

-- Tagging create
CREATE TABLE "Tagging" (
    "id" TEXT NOT NULL,
    "entity" VARCHAR(64) NOT NULL,
    "entityId" TEXT NOT NULL,
    "tagId" TEXT NOT NULL,
    CONSTRAINT "Tagging_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "Tagging_entity_entityId_idx" ON "Tagging"("entity", "entityId");
CREATE INDEX "Tagging_tagId_idx" ON "Tagging"("tagId");
CREATE UNIQUE INDEX "Tagging_tagId_entity_entityId_key" ON "Tagging"("tagId", "entity", "entityId");
ALTER TABLE "Tagging" ADD CONSTRAINT "Tagging_tagId_fkey" FOREIGN KEY ("tagId") REFERENCES "Tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Tagging" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Tagging" FORCE ROW LEVEL SECURITY;
CREATE POLICY "Tagging_create" ON "Tagging" FOR INSERT WITH CHECK (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 1));
CREATE POLICY "Tagging_read" ON "Tagging" FOR SELECT USING ((true));
CREATE POLICY "Tagging_update" ON "Tagging" FOR UPDATE USING (false) WITH CHECK (false);
CREATE POLICY "Tagging_delete" ON "Tagging" FOR DELETE USING (((CASE NULLIF(current_setting('app.user_role', true), '') WHEN 'user' THEN 1 WHEN 'moderator' THEN 2 WHEN 'admin' THEN 3 WHEN 'god' THEN 4 WHEN 'supergod' THEN 5 ELSE 0 END) >= 2) OR (false));
