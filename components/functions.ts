import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ROUTER_FOLDER } from "../config/projectFiles";
import { ADDRESSES, internalUrl } from "../config/services";
import { Settings } from "../config/settings";
import { Env, Healthcheck, scratchVolume } from "./container";
import { DbEndpoint, JwtDbClientArgs, dbUrl } from "./database";
import { KongService } from "./render/kong";
import { ServiceComponent } from "./serviceComponent";
import { SourceFile, readFolder } from "../config/sourceFiles";

export interface FunctionsArgs extends JwtDbClientArgs {
  readonly anonKey: pulumi.Input<string>;
  readonly serviceRoleKey: pulumi.Input<string>;
  /** JWT_JWKS, publishable and secret key (authSigning: es256). */
  readonly jwks?: pulumi.Input<string>;
  readonly publishableKey?: pulumi.Input<string>;
  readonly secretKey?: pulumi.Input<string>;
  /** Studio's Edge Functions volume (Studio.functionsVolume): the runtime serves from it. */
  readonly functionsVolume: docker.Volume;
}

export const FUNCTIONS_ROOT = "/home/deno/functions";

/**
 * Kong's /functions/v1/ route. No key-auth and no key translation, as upstream's Envoy route:
 * the router checks JWTs and sb_ keys itself, and a function may be public (VERIFY_JWT=false).
 */
export const FUNCTIONS_KONG_SERVICE: KongService = {
  name: "functions-v1",
  _comment: `Edge Functions: /functions/v1/* -> ${internalUrl("functions")}/* (the main router verifies)`,
  url: `${internalUrl("functions")}/`,
  // Kong's read_timeout is the gap allowed between two reads. 10 s above the runtime's 150 s
  // --user-worker-request-idle-timeout, so the runtime ends a stuck worker with its own error
  // before Kong cuts the connection with a bare 504.
  read_timeout: 160000,
  routes: [{ name: "functions-v1-all", strip_path: true, paths: ["/functions/v1/"] }],
  plugins: [{ name: "cors" }],
};

/** The user's functions plus ownstack's router, as upload paths below FUNCTIONS_ROOT. */
export function functionFiles(settings: Settings): SourceFile[] {
  const own = readFolder(settings.functions.path);
  const hasRouter = own.some((f) => f.path.startsWith("main/"));
  // Settings validation refused a folder with no router of its own when ours is missing (config/projectFiles.ts).
  const router = hasRouter
    ? []
    : readFolder(ROUTER_FOLDER).map((f) => ({ path: `main/${f.path}`, content: f.content }));
  return [...own, ...router].sort((a, b) => (a.path < b.path ? -1 : 1));
}

export type FunctionsEnvArgs = Omit<FunctionsArgs, "network" | "dependsOn" | "functionsVolume"> & {
  readonly db?: DbEndpoint;
};

/** The runtime's env on both runtimes: the API by its internal URL, keys, the DSN, JWT checks. */
export function functionsEnv(args: FunctionsEnvArgs): Env {
  const { settings } = args;
  const keyMap = (key: pulumi.Input<string> | undefined) =>
    pulumi.secret(pulumi.output(key ?? "").apply((k) => JSON.stringify({ default: k })));
  return {
    JWT_SECRET: args.jwtSecret,
    ...(args.jwks ? { SUPABASE_JWKS: args.jwks } : {}),
    SUPABASE_URL: internalUrl("kong"),
    SUPABASE_PUBLIC_URL: settings.publicUrl,
    SUPABASE_ANON_KEY: args.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: args.serviceRoleKey,
    // JSON maps, as upstream; empty when authSigning is hs256.
    SUPABASE_PUBLISHABLE_KEYS: keyMap(args.publishableKey),
    SUPABASE_SECRET_KEYS: keyMap(args.secretKey),
    SUPABASE_DB_URL: dbUrl("postgres", args.postgresPassword, "postgresql", undefined, args.db),
    VERIFY_JWT: settings.functions.verifyJwt,
  };
}

/** The router serves every function below the root; a stuck worker ends before Kong's timeout. */
export const FUNCTIONS_COMMAND = [
  "start",
  "--user-worker-request-idle-timeout",
  "150000",
  "--main-service",
  `${FUNCTIONS_ROOT}/main`,
];

// No curl or wget in the image; bash's /dev/tcp proves the port accepts connections.
export const FUNCTIONS_HEALTHCHECK: Healthcheck = {
  tests: ["CMD-SHELL", `timeout 1 bash -c '</dev/tcp/127.0.0.1/${ADDRESSES.functions.port}'`],
};

/** Function names (folders other than main/ with an index.ts), for the stack output. */
export const functionNames = (files: readonly SourceFile[]): string[] => [
  ...new Set(
    files
      .map((f) => f.path.split("/")[0])
      .filter((n) => n !== "main" && files.some((f) => f.path === `${n}/index.ts`)),
  ),
];

/** Edge Functions on supabase/edge-runtime, wired as upstream's `functions` service (docker/docker-compose.yml). */
export class Functions extends ServiceComponent {
  /** Function names (folders other than main/), for the stack output. */
  public readonly names: readonly string[];

  constructor(name: string, args: FunctionsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:supabase:Functions", name, args, opts);
    const { settings } = args;
    const files = functionFiles(settings);
    this.names = functionNames(files);
    // Deno's module cache: a cache, not data.
    const cache = scratchVolume(settings, `${name}-deno-cache`, "deno-cache", { parent: this });
    this.serve({
      service: "functions",
      command: FUNCTIONS_COMMAND,
      env: functionsEnv(args),
      // One folder, two editors. The functions root is Studio's Edge Functions volume, so a
      // function created or edited in Studio is the file the runtime serves (the runtime reads a
      // worker's files when it starts one). The project's functions folder seeds it: the provider
      // copies these uploads into the volume before each start of a new container, and a change
      // to any of them replaces the container, so on that `up` the project's files win over
      // Studio edits of the same paths. Functions that exist only in Studio are left alone, and a
      // function deleted from the project stays until it is deleted in Studio.
      volumes: [
        { volumeName: args.functionsVolume.name, containerPath: FUNCTIONS_ROOT },
        { volumeName: cache.name, containerPath: "/root/.cache/deno" },
      ],
      uploads: files.map((f) => ({
        file: `${FUNCTIONS_ROOT}/${f.path}`,
        contentBase64: f.content.toString("base64"),
      })),
      healthcheck: FUNCTIONS_HEALTHCHECK,
    });
    this.registerOutputs({ container: this.container.id, names: this.names });
  }
}
