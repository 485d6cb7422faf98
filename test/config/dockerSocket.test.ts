import { describe, expect, it } from "vitest";
import { itRefuses } from "./problems";
import { parseSettings } from "../../config/settings";

const EXPECTED =
  "ownstack:dockerSocket: expected an absolute path to the Docker API socket such as /var/run/docker.sock (Podman: /run/podman/podman.sock)";

describe("ownstack:dockerSocket: where the Docker API proxy finds the daemon", () => {
  it("is Docker's socket unless set, and takes Podman's (rootful and rootless)", () => {
    expect(parseSettings({}, "local").dockerSocket).toBe("/var/run/docker.sock");
    for (const socket of ["/run/podman/podman.sock", "/run/user/1000/podman/podman.sock"])
      expect(parseSettings({ "ownstack:dockerSocket": socket }, "local").dockerSocket).toBe(socket);
  });

  itRefuses("local", [
    ["a relative path", { "ownstack:dockerSocket": "docker.sock" }, EXPECTED],
    ["a URL", { "ownstack:dockerSocket": "unix:///var/run/docker.sock" }, EXPECTED],
    [
      "an unexpanded variable (Docker does not expand it)",
      { "ownstack:dockerSocket": "$XDG_RUNTIME_DIR/podman/podman.sock" },
      EXPECTED,
    ],
    ["a path that climbs", { "ownstack:dockerSocket": "/run/../var/run/docker.sock" }, EXPECTED],
    ["a bind-mount separator", { "ownstack:dockerSocket": "/var/run/docker.sock:rw" }, EXPECTED],
  ]);
});
