// An example function: GET or POST /functions/v1/hello with your anon or publishable key.
// Delete it, or add siblings: every folder here with an index.ts is a function.

Deno.serve(async (request: Request) => {
  const body = request.method === "POST" ? await request.json().catch(() => ({})) : {};
  const name = typeof body.name === "string" ? body.name : "world";
  return new Response(JSON.stringify({ message: `Hello, ${name}!` }), { headers: { "content-type": "application/json" } });
});
