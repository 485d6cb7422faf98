import * as pulumi from "@pulumi/pulumi";
import { OPEN_WEBUI_DB } from "../config/roles";
import { ADDRESSES, internalAddress, internalUrl, reachableUrl } from "../config/services";
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

/**
 * Open WebUI, the chat front end local-ai-packaged ships, on the stack's own services: its data
 * in its own Postgres database, documents in Qdrant, models from Ollama. Sign-up is off; the one
 * account is the admin Open WebUI creates from WEBUI_ADMIN_* while it has no users
 * (backend/open_webui/env.py, "Admin Account Runtime Creation").
 */
export class OpenWebui extends ServiceComponent {
  /** Uploads, the embedding model cache and the generated config (/app/backend/data). */
  public readonly dataVolume = this.volume("openwebui-data");
  /** Where the operator opens it: http://localhost:<openWebuiPort>, or https://chat.<domain> on vps. */
  public readonly url: string;

  constructor(name: string, args: OpenWebuiArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("ownstack:ai:OpenWebui", name, args, opts);
    const { settings } = args;
    // The browser's address, as apiUrl is on local (localhost); also the one CORS origin allowed,
    // which Open WebUI's Socket.IO server checks too.
    this.url =
      settings.target === "local"
        ? `http://localhost:${settings.ports.openWebui}`
        : reachableUrl(settings, "openWebui");
    const { role, database } = OPEN_WEBUI_DB;
    this.serve({
      service: "openWebui",
      env: {
        // Upstream names (docs.openwebui.com/reference/env-configuration).
        DATABASE_URL: pulumi.secret(
          pulumi.interpolate`postgresql://${role}:${args.dbPassword}@${internalAddress("db")}/${database}`,
        ),
        VECTOR_DB: "qdrant",
        QDRANT_URI: internalUrl("qdrant"),
        QDRANT_API_KEY: pulumi.secret(args.qdrantApiKey),
        OLLAMA_BASE_URL: internalUrl("ollama"),
        // No OpenAI key on this stack: the models are Ollama's.
        ENABLE_OPENAI_API: false,
        WEBUI_SECRET_KEY: pulumi.secret(args.secretKey),
        WEBUI_URL: this.url,
        CORS_ALLOW_ORIGIN: this.url,
        WEBUI_SESSION_COOKIE_SECURE: settings.target === "vps",
        ENABLE_SIGNUP: false,
        WEBUI_ADMIN_EMAIL: settings.openWebui.adminEmail,
        WEBUI_ADMIN_PASSWORD: pulumi.secret(args.adminPassword),
      },
      volumes: [{ volumeName: this.dataVolume.name, containerPath: "/app/backend/data" }],
      labels: args.labels,
      // The first start migrates its database and downloads the embedding model.
      healthcheck: { tests: ["CMD-SHELL", openWebuiHealthCheck()], startPeriod: "120s" },
      waitTimeout: 600,
    });
    this.registerOutputs({ container: this.container.id, url: this.url });
  }
}
