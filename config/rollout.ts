import type { ServiceName } from "./serviceNames";
import type { Settings } from "./types";

/**
 * Zero-downtime updates on vps. These services are replaced create-before-delete: the new
 * container starts under a new name (a revision suffix), `pulumi up` waits for its healthcheck
 * (`wait`), and only then is the old one stopped with its grace (config/stopPolicy.ts). Meanwhile
 * both answer: they share the network aliases, which Docker's embedded DNS resolves to every
 * container holding them (https://docs.docker.com/engine/network/#dns-services, `--network-alias`),
 * and carry identical Traefik labels, which Traefik's Docker provider merges into one service with
 * a server per container (https://doc.traefik.io/traefik/providers/docker/); a container whose
 * healthcheck is not yet healthy gets no traffic from Traefik (traefik/traefik#7732). They qualify because they keep
 * no state of their own (storage's file backend and Studio's folders are volumes both can mount)
 * and publish no host port on vps (only Traefik does, config/exposure.ts): a host port cannot be
 * bound twice (pulumi-docker#1356).
 *
 * Everything else stays delete-first: db and the other stateful services (a second server on the
 * same data folder is corruption), Realtime (tenant state and replication slots are per node),
 * Traefik (it holds ports 80/443), the backup scheduler (scripts reach it by its fixed name with
 * `docker exec`), Open WebUI (a new version migrates its database at start under the old one, and
 * two instances need Redis for their Socket.IO state and sessions:
 * https://docs.openwebui.com/troubleshooting/multi-replica/), and every container on local, which
 * publishes host ports.
 */
export const ROLLING_SERVICES = [
  "auth",
  "functions",
  "imgproxy",
  "kong",
  "meta",
  "rest",
  "storage",
  "studio",
] as const satisfies readonly ServiceName[];

/** Whether `service` is replaced create-before-delete on this stack. */
export const rollsOut = (settings: Pick<Settings, "target">, service: string): boolean =>
  settings.target === "vps" && (ROLLING_SERVICES as readonly string[]).includes(service);

/** The revision suffix: 8 hex digits, `-1a2b3c4d` (components/container.ts). */
export const REVISION_SUFFIX = /-[0-9a-f]{8}$/;
