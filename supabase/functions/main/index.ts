// ownstack's Edge Functions router, run by edge-runtime as the main service
// (`--main-service /home/deno/functions/main`). Kong forwards /functions/v1/<name>/… here with the
// prefix stripped; each <name> runs in its own user worker from /home/deno/functions/<name>.
// Put your own main/ in ownstack:functionsPath to replace this router.

import { authConfigFromEnv, authorize } from "./auth.ts";

declare const EdgeRuntime: {
  userWorkers: {
    create(options: {
      servicePath: string;
      memoryLimitMb: number;
      workerTimeoutMs: number;
      noModuleCache: boolean;
      envVars: [string, string][];
      forceCreate: boolean;
    }): Promise<{ fetch(request: Request): Promise<Response> }>;
  };
};

const FUNCTIONS_ROOT = "/home/deno/functions";
const FUNCTION_NAME = /^[A-Za-z0-9_-]+$/;
// VERIFY_JWT applies to every function, as upstream's; "false" opens them to anyone.
const VERIFY = Deno.env.get("VERIFY_JWT") !== "false";
const auth = authConfigFromEnv((name) => Deno.env.get(name));

const reply = (status: number, message: string) =>
  new Response(JSON.stringify({ msg: message }), { status, headers: { "content-type": "application/json" } });

async function functionExists(name: string): Promise<boolean> {
  try {
    return (await Deno.stat(`${FUNCTIONS_ROOT}/${name}`)).isDirectory;
  } catch {
    return false;
  }
}

Deno.serve(async (request: Request) => {
  const name = new URL(request.url).pathname.split("/").filter(Boolean)[0] ?? "";
  if (request.method === "OPTIONS") return new Response(null, { status: 204 });
  if (!FUNCTION_NAME.test(name) || name === "main" || !(await functionExists(name))) return reply(404, `function "${name}" not found`);

  if (VERIFY) {
    const refused = await authorize(request.headers, auth, Math.floor(Date.now() / 1000));
    if (refused) return reply(401, refused);
  }

  try {
    const worker = await EdgeRuntime.userWorkers.create({
      servicePath: `${FUNCTIONS_ROOT}/${name}`,
      memoryLimitMb: 150,
      workerTimeoutMs: 5 * 60 * 1000,
      noModuleCache: false,
      // Functions see the same SUPABASE_* variables as on the Supabase platform.
      envVars: Object.entries(Deno.env.toObject()),
      forceCreate: false,
    });
    return await worker.fetch(request);
  } catch (error) {
    console.error(`function ${name} failed:`, error);
    return reply(500, `function "${name}" failed to start; see the functions container log`);
  }
});
