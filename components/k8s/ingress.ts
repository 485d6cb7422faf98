import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ADDRESSES, publicHost } from "../../config/services";
import { Settings } from "../../config/settings";
import { stackLabels } from "./workload";

/**
 * The stack's front door: api.<domain> and studio.<domain> to the gateway, with a certificate
 * cert-manager issues from `ownstack:clusterIssuer` (its ingress-shim reads the annotation:
 * https://cert-manager.io/docs/usage/ingress/).
 */
export function gatewayIngress(
  settings: Settings,
  namespace: pulumi.Input<string>,
  gateway: k8s.core.v1.Service,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.Ingress {
  const { ingressClass, clusterIssuer } = settings.kubernetes;
  // The gateway's public hosts from the address table: the API, and Studio behind Kong's basic auth, as on vps.
  const hosts = ADDRESSES.kong.subdomains.map((sub) => publicHost(settings, sub));
  return new k8s.networking.v1.Ingress(
    "ingress",
    {
      metadata: {
        name: "ownstack",
        namespace,
        labels: stackLabels(settings, "ingress"),
        annotations: { "cert-manager.io/cluster-issuer": clusterIssuer },
      },
      spec: {
        ingressClassName: ingressClass !== "" ? ingressClass : undefined,
        tls: [{ hosts, secretName: "ownstack-tls" }],
        rules: hosts.map((host) => ({
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: {
                  service: { name: gateway.metadata.name, port: { number: ADDRESSES.kong.port } },
                },
              },
            ],
          },
        })),
      },
    },
    opts,
  );
}
