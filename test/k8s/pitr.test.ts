import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { parseSettings } from "../../config/settings";
import { parseTarget } from "../../scripts/lib/backup/pitr";
import { cnpgRecoveryCluster, formatCnpgRecovery } from "../../scripts/lib/backup/pitrK8s";
import { Plan } from "../plan/mocks";
import { K8S_CONFIG, evaluateK8s } from "./harness";

/**
 * `npm run restore -- -s k8s --to …` on kubernetes: the printed CloudNativePG recovery Cluster
 * reads from the very object store and server name the live Cluster archives to (checked against
 * the planned live Cluster), with the target as `bootstrap.recovery.recoveryTarget.targetTime`.
 */

const config = { ...K8S_CONFIG, "ownstack:cnpgBackupPath": "s3://backups/ownstack" };
const target = parseTarget("2026-12-05T14:03:00Z");

describe("point-in-time recovery on kubernetes", () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await evaluateK8s({ "ownstack:cnpgBackupPath": "s3://backups/ownstack" });
  });
  const live = (kind: string) =>
    plan.resources.find((r) => r.inputs?.kind === kind && r.inputs?.apiVersion)!.inputs;

  it("recovers from the live cluster's object store to the target time", () => {
    const spec = parse(formatCnpgRecovery(parseSettings(config, "k8s"), target));
    const cluster = live("Cluster");
    expect(spec.kind).toBe("Cluster");
    expect(spec.metadata).toEqual({ name: "postgres-pitr", namespace: cluster.metadata.namespace });
    expect(spec.spec.imageName).toBe(cluster.spec.imageName);
    expect(spec.spec.bootstrap.recovery).toEqual({
      source: "origin",
      recoveryTarget: { targetTime: "2026-12-05 14:03:00+00:00" },
    });
    expect(spec.spec.externalClusters).toEqual([
      {
        name: "origin",
        plugin: {
          name: cluster.spec.plugins[0].name,
          parameters: {
            barmanObjectName: live("ObjectStore").metadata.name,
            serverName: cluster.metadata.name,
          },
        },
      },
    ]);
  });

  it("refuses without a WAL archive, naming the key", () => {
    expect(() => cnpgRecoveryCluster(parseSettings(K8S_CONFIG, "k8s"), target)).toThrow(
      /set ownstack:cnpgBackupPath/,
    );
  });
});
