import { describe, expect, it } from "vitest";
import { runningContainerOf } from "../../scripts/lib/docker";

/**
 * Scripts find a service's container by its labels: on vps a rolling service's name carries a
 * revision, and during an update two revisions run (`docker ps` lists the newest first).
 */

const settings = { stack: "vps", vps: { dockerHost: "ssh://deploy@203.0.113.10" } } as const;

describe("runningContainerOf", () => {
  it("asks docker ps for the stack's running container of the service, by label, and takes the newest", () => {
    const calls: string[][] = [];
    const name = runningContainerOf(settings as never, "studio", (args) => {
      calls.push(args);
      return {
        status: 0,
        stdout: "ownstack-vps-studio-7ba9bea2\nownstack-vps-studio-1c2d3e4f\n",
        stderr: "",
      };
    });
    expect(name).toBe("ownstack-vps-studio-7ba9bea2");
    expect(calls).toEqual([
      [
        "ps",
        "--filter",
        "label=ownstack.stack=vps",
        "--filter",
        "label=ownstack.service=studio",
        "--filter",
        "status=running",
        "--format",
        "{{.Names}}",
      ],
    ]);
  });

  it("says which container is missing and how to start it when none runs", () => {
    expect(() =>
      runningContainerOf(settings as never, "storage", () => ({
        status: 0,
        stdout: "",
        stderr: "",
      })),
    ).toThrow(
      /^no running storage container of stack "vps" \(docker ps .* listed none\); start it with npm run up$/,
    );
  });

  it("passes on docker's own error", () => {
    expect(() =>
      runningContainerOf(settings as never, "storage", () => ({
        status: 1,
        stdout: "",
        stderr: "Cannot connect to the Docker daemon\n",
      })),
    ).toThrow(/: Cannot connect to the Docker daemon\); start it with npm run up$/);
  });
});
