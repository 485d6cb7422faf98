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
  // The gateway's public hosts from the address table: the API, and Studio behind Kong's basic auth, as on vps.
  const hosts = ADDRESSES.kong.subdomains.map((sub) => publicHost(settings, sub));
  return publicIngress(
    settings,
    "ingress",
    { name: "ownstack", namespace, component: "ingress", hosts, tlsSecret: "ownstack-tls" },
    { service: gateway, port: ADDRESSES.kong.port },
    opts,
  );
}

/**
 * An Ingress sending `hosts` to one Service's port, with the class and the cert-manager issuer
 * from config, and the certificate in `tlsSecret`.
 */
export function publicIngress(
  settings: Settings,
  resourceName: string,
  meta: {
    name: string;
    namespace: pulumi.Input<string>;
    component: string;
    hosts: string[];
    tlsSecret: string;
  },
  backend: { service: k8s.core.v1.Service; port: number },
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.Ingress {
  const { ingressClass, clusterIssuer } = settings.kubernetes;
  return new k8s.networking.v1.Ingress(
    resourceName,
    {
      metadata: {
        name: meta.name,
        namespace: meta.namespace,
        labels: stackLabels(settings, meta.component),
        annotations: { "cert-manager.io/cluster-issuer": clusterIssuer },
      },
      spec: {
        ingressClassName: ingressClass !== "" ? ingressClass : undefined,
        tls: [{ hosts: meta.hosts, secretName: meta.tlsSecret }],
        rules: meta.hosts.map((host) => ({
          host,
          http: {
            paths: [
              {
                path: "/",
                pathType: "Prefix",
                backend: {
                  service: { name: backend.service.metadata.name, port: { number: backend.port } },
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
