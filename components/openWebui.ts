import * as pulumi from "@pulumi/pulumi";
import { OPEN_WEBUI_DB } from "../config/roles";
import { ADDRESSES, internalUrl, publicHostUrl } from "../config/services";
import { Settings } from "../config/settings";
import { Env, Healthcheck } from "./container";
import { DEFAULT_DB, DbEndpoint, dbUrl } from "./database";
import { ServiceComponent, ServiceComponentArgs } from "./serviceComponent";

export interface OpenWebuiArgs extends ServiceComponentArgs {
  /** WEBUI_SECRET_KEY: signs Open WebUI's sessions. */
  readonly secretKey: pulumi.Input<string>;
  /** The password of its own role in the stack's Postgres (set by the migrations job). */
  readonly dbPassword: pulumi.Input<string>;
  readonly qdrantApiKey: pulumi.Input<string>;
  readonly adminPassword: pulumi.Input<string>;
  readonly labels?: Record<string, pulumi.Input<string>>;
}

/**
 * The Dockerfile's own HEALTHCHECK (open-webui/open-webui Dockerfile at the pinned tag): curl
 * and jq are in the image, and /health answers {"status": true} once the app is up.
 */
export function openWebuiHealthCheck(port: number = ADDRESSES.openWebui.port): string {
  return `curl --silent --fail http://localhost:${port}/health | jq -ne 'input.status == true'`;
}

// The first start migrates its database and downloads the embedding model.
export const OPEN_WEBUI_HEALTHCHECK: Healthcheck = {
  tests: ["CMD-SHELL", openWebuiHealthCheck()],
  startPeriod: "120s",
};

/** Uploads, the embedding model cache and the generated config. */
export const OPEN_WEBUI_DATA = "/app/backend/data";

/**
 * The browser's address: http://localhost:<openWebuiPort> on local (as apiUrl is), else
 * https://chat.<domain> (Traefik on vps, the Ingress on kubernetes).
 */
export const openWebuiUrl = (settings: Settings): string =>
  settings.target === "local"
    ? `http://localhost:${settings.ports.openWebui}`
    : publicHostUrl(settings, ADDRESSES.openWebui.subdomains[0]);

export interface OpenWebuiEnvArgs {
  readonly settings: Settings;
  readonly secretKey: pulumi.Input<string>;
  readonly dbPassword: pulumi.Input<string>;
  readonly qdrantApiKey: pulumi.Input<string>;
  readonly adminPassword: pulumi.Input<string>;
  /** Where its database lives: the stack's db on Docker, CNPG's or the managed one on kubernetes. */
  readonly db?: DbEndpoint;
}

/** Open WebUI's env on every target; names are upstream's (docs.openwebui.com/reference/env-configuration). */
export function openWebuiEnv(args: OpenWebuiEnvArgs): Env {
  const { settings } = args;
  const { role, database } = OPEN_WEBUI_DB;
  // Also the one CORS origin allowed, which Open WebUI's Socket.IO server checks too.
  const url = openWebuiUrl(settings);
  return {
    DATABASE_URL: dbUrl(role, args.dbPassword, "postgresql", database, args.db ?? DEFAULT_DB),
    VECTOR_DB: "qdrant",
    QDRANT_URI: internalUrl("qdrant"),
    QDRANT_API_KEY: pulumi.secret(args.qdrantApiKey),
    OLLAMA_BASE_URL: internalUrl("ollama"),
    // No OpenAI key on this stack: the models are Ollama's.
    ENABLE_OPENAI_API: false,
    WEBUI_SECRET_KEY: pulumi.secret(args.secretKey),
    WEBUI_URL: url,
    CORS_ALLOW_ORIGIN: url,
    WEBUI_SESSION_COOKIE_SECURE: settings.target !== "local",
    ENABLE_SIGNUP: false,
    WEBUI_ADMIN_EMAIL: settings.openWebui.adminEmail,
    WEBUI_ADMIN_PASSWORD: pulumi.secret(args.adminPassword),
  };
}

/**
 * Open WebUI, the chat front end local-ai-packaged ships, on the stack's own services: its data
 * in its own Postgres database, documents in Qdrant, models from Ollama. Sign-up is off; the one
 * account is the admin Open WebUI creates from WEBUI_ADMIN_* while it has no users
 * (backend/open_webui/env.py, "Admin Account Runtime Creation").
 */
export class OpenWebui extends ServiceComponent {
  /** Uploads, the embedding model cache and the generated config (OPEN_WEBUI_DATA). */
  public readonly dataVolume = this.volume("openwebui-data");
  /** Where the operator opens it: http://localhost:<openWebuiPort>, or https://chat.<domain> on vps. */
  public readonly url: string;

  constructor(name: string, args: OpenWebuiArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:ai:OpenWebui", name, args, opts);
    const { settings } = args;
    this.url = openWebuiUrl(settings);
    this.serve({
      service: "openWebui",
      env: openWebuiEnv({ ...args, settings }),
      volumes: [{ volumeName: this.dataVolume.name, containerPath: OPEN_WEBUI_DATA }],
      labels: args.labels,
      healthcheck: OPEN_WEBUI_HEALTHCHECK,
      waitTimeout: 600,
    });
    this.registerOutputs({ container: this.container.id, url: this.url });
  }
}
