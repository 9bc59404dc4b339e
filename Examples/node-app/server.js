// The example host application: a plain Node HTTP server that reads and writes a package's table
// (BlogPost, from packages/blog) as the `app` role, under PostgreSQL row-level security.
//
// Every request runs in one transaction that first states who is asking
// (set_config(..., true) lasts for that transaction only); the policies `schema apply` installed
// from the package's ACL decide which rows it sees and may change. Here the identity comes from
// the x-user-id and x-user-role headers so the example stays small: in a real application your
// authentication middleware sets them, never the client (or use `"identity": "signed"`).
//
//   GET  /posts                      the posts the caller may read
//   POST /posts  {"id","slug","title","status"}   a post by the caller (ACL: create [user])
//   GET  /health
"use strict";
const http = require("http");
const { Pool } = require("pg");

const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const port = Number(process.env.PORT || 3000);

async function asCaller(request, work) {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT set_config('app.user_id', $1, true), set_config('app.user_role', $2, true)",
      [request.headers["x-user-id"] || "", request.headers["x-user-role"] || "public"]);
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

function body(request) {
  return new Promise((resolve, reject) => {
    let text = "";
    request.on("data", (chunk) => { text += chunk; if (text.length > 65536) reject(new Error("body too large")); });
    request.on("end", () => { try { resolve(text ? JSON.parse(text) : {}); } catch (error) { reject(error); } });
  });
}

function send(response, status, value) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(value) + "\n");
}

const server = http.createServer(async (request, response) => {
  try {
    if (request.method === "GET" && request.url === "/health") return send(response, 200, { ok: true });
    if (request.method === "GET" && request.url === "/posts") {
      const rows = await asCaller(request, (client) =>
        client.query('SELECT "id", "title", "status", "authorId" FROM "BlogPost" ORDER BY "id"').then((r) => r.rows));
      return send(response, 200, rows);
    }
    if (request.method === "POST" && request.url === "/posts") {
      const post = await body(request);
      const author = request.headers["x-user-id"] || "";
      const rows = await asCaller(request, async (client) => {
        const user = await client.query('SELECT "tenantId" FROM "User" WHERE "id" = $1', [author]);
        if (user.rows.length === 0) throw Object.assign(new Error("unknown user"), { status: 403 });
        return client.query(
          'INSERT INTO "BlogPost" ("id", "tenantId", "authorId", "slug", "title", "body", "status", "createdAt") '
            + 'VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING "id"',
          [post.id, user.rows[0].tenantId, author, post.slug, post.title, post.body || "", post.status || "draft", Date.now()]).then((r) => r.rows);
      });
      return send(response, 201, rows[0]);
    }
    send(response, 404, { error: "not found" });
  } catch (error) {
    // 42501: a row-level security policy refused the write.
    const status = error.status || (error.code === "42501" ? 403 : 500);
    send(response, status, { error: error.message });
  }
});

server.listen(port, () => console.log(`example app listening on ${port}`));
for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => pool.end().then(() => process.exit(0))));
