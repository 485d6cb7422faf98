import { describe, expect, it } from "vitest";
import { DOCKER_PROXY_SOCKET, renderDockerProxyCfg } from "../../components/render/dockerProxy";

/** What the proxy lets through is proven on HAProxy itself in test/real/dockerProxy.test.ts. */
describe("the Docker API proxy's haproxy.cfg", () => {
  it("allows GET and HEAD on the readers' endpoints only, everything else is denied (snapshot)", () => {
    expect(renderDockerProxyCfg({ bind: ":2375", socket: DOCKER_PROXY_SOCKET }))
      .toMatchInlineSnapshot(`
      "# ownstack: rendered by components/render/dockerProxy.ts
      global
        log stdout format raw local0 info
        maxconn 256
        nbthread 1

      defaults
        mode http
        log global
        option httplog
        option dontlog-normal
        timeout connect 5s
        timeout http-request 10s
        timeout client 1h
        timeout server 1h

      frontend docker
        bind :2375
        acl read method GET HEAD
        acl reader_endpoint path,url_dec -m reg ^(/v[0-9]+[.][0-9]+)?(/_ping|/version|/events|/containers/json|/containers/[a-zA-Z0-9][a-zA-Z0-9_.-]*/json|/containers/[a-zA-Z0-9][a-zA-Z0-9_.-]*/logs)$
        http-request allow if read reader_endpoint
        http-request deny
        default_backend docker

      backend docker
        server docker /var/run/docker.sock
      "
    `);
  });
});
