import { afterEach, describe, expect, it, vi } from "vitest";
import {
  GraphicsController,
  GraphicsProbe,
  decideGpu,
  detectOllamaGpu,
  queryGraphics,
} from "../../config/gpu";
import { parseSettings } from "../../config/settings";
import { vpsSettings } from "../support/stacks";

// Controllers as systeminformation reports them on Linux (lspci names), macOS and Windows.
const NVIDIA: GraphicsController = {
  vendor: "NVIDIA Corporation",
  model: "AD104 [GeForce RTX 4070]",
};
const AMD: GraphicsController = {
  vendor: "Advanced Micro Devices, Inc. [AMD/ATI]",
  model: "Navi 31 [Radeon RX 7900 XT/7900 XTX]",
};
const INTEL: GraphicsController = {
  vendor: "Intel Corporation",
  model: "Alder Lake-P GT2 [Iris Xe Graphics]",
};
const APPLE: GraphicsController = { vendor: "Apple", model: "Apple M2", vendorId: "0x106b" };
const MATROX: GraphicsController = {
  vendor: "Matrox Electronics Systems Ltd.",
  model: "MGA G200e [Pilot] ServerEngines (SEP1)",
};
const NVIDIA_BY_ID: GraphicsController = { vendor: "", model: "", vendorId: "0x10de" };

const probe = (...controllers: GraphicsController[]): GraphicsProbe => ({ controllers });

describe("GPU selection for ollamaGpu=auto", () => {
  it.each<
    [
      string,
      GraphicsProbe | Error,
      string,
      "nvidia" | "amd" | "cpu",
      string,
      string | undefined,
      string[],
      RegExp,
    ]
  >([
    ["NVIDIA discrete", probe(NVIDIA), "linux", "nvidia", "ollama", "all", [], /GeForce RTX 4070/],
    [
      "NVIDIA found by PCI vendor id only",
      probe(NVIDIA_BY_ID),
      "linux",
      "nvidia",
      "ollama",
      "all",
      [],
      /Container Toolkit/,
    ],
    [
      "AMD discrete",
      probe(AMD),
      "linux",
      "amd",
      "ollamaRocm",
      undefined,
      ["/dev/kfd", "/dev/dri"],
      /Radeon RX 7900/,
    ],
    ["Intel iGPU", probe(INTEL), "linux", "cpu", "ollama", undefined, [], /Iris Xe/],
    ["Apple silicon", probe(APPLE), "darwin", "cpu", "ollama", undefined, [], /Apple GPUs/],
    [
      "no controller reported (no lspci)",
      probe(),
      "linux",
      "cpu",
      "ollama",
      undefined,
      [],
      /lspci/,
    ],
    ["unknown vendor", probe(MATROX), "linux", "cpu", "ollama", undefined, [], /Matrox/],
    [
      "Intel iGPU plus NVIDIA dGPU (hybrid laptop)",
      probe(INTEL, NVIDIA),
      "linux",
      "nvidia",
      "ollama",
      "all",
      [],
      /GeForce/,
    ],
    [
      "AMD iGPU plus NVIDIA dGPU",
      probe(AMD, NVIDIA),
      "linux",
      "nvidia",
      "ollama",
      "all",
      [],
      /GeForce/,
    ],
    [
      "Intel iGPU plus AMD dGPU",
      probe(INTEL, AMD),
      "linux",
      "amd",
      "ollamaRocm",
      undefined,
      ["/dev/kfd", "/dev/dri"],
      /Navi 31/,
    ],
    [
      "AMD on Windows (no ROCm passthrough)",
      probe(AMD),
      "win32",
      "cpu",
      "ollama",
      undefined,
      [],
      /only on a Linux host/,
    ],
    ["NVIDIA on an old Mac", probe(NVIDIA), "darwin", "cpu", "ollama", undefined, [], /macOS/],
    [
      "NVIDIA on Windows (WSL2 passthrough)",
      probe(NVIDIA),
      "win32",
      "nvidia",
      "ollama",
      "all",
      [],
      /GeForce/,
    ],
    [
      "the query throwing",
      new Error("spawn lspci ENOENT"),
      "linux",
      "cpu",
      "ollama",
      undefined,
      [],
      /graphics query failed \(spawn lspci ENOENT\)/,
    ],
  ])("%s", (_case, result, platform, mode, image, gpus, devices, reason) => {
    const d = decideGpu("auto", result, platform);
    expect({
      mode: d.mode,
      image: d.image,
      gpus: d.gpus,
      devices: d.devices.map((x) => x.hostPath),
    }).toEqual({ mode, image, gpus, devices });
    expect(d.reason).toMatch(reason);
    // The same paths inside the container: ROCm looks for /dev/kfd and /dev/dri there.
    for (const dev of d.devices) expect(dev.containerPath).toBe(dev.hostPath);
  });

  it("an explicit mode wins over whatever is installed", () => {
    expect(decideGpu("cpu", probe(NVIDIA)).mode).toBe("cpu");
    expect(decideGpu("nvidia", probe()).gpus).toBe("all");
    expect(decideGpu("amd", probe(INTEL)).image).toBe("ollamaRocm");
    expect(decideGpu("amd", undefined).reason).toBe("set by ownstack:ollamaGpu=amd");
  });
});

describe("only local with auto reads the machine", () => {
  const vps = vpsSettings({ "ownstack:ollamaGpu": "nvidia" });

  it("local + auto asks systeminformation and decides from its answer", async () => {
    const query = vi.fn(async () => probe(AMD));
    const d = await detectOllamaGpu(parseSettings({}, "local"), query, {}, "linux");
    expect(query).toHaveBeenCalledTimes(1);
    expect(d.mode).toBe("amd");
  });

  it("an explicit mode (as vps requires) never probes", async () => {
    const query = vi.fn(async () => probe(NVIDIA));
    expect((await detectOllamaGpu(vps, query, {}, "linux")).mode).toBe("nvidia");
    expect(
      (
        await detectOllamaGpu(
          parseSettings({ "ownstack:ollamaGpu": "cpu" }, "local"),
          query,
          {},
          "linux",
        )
      ).mode,
    ).toBe("cpu");
    expect(query).not.toHaveBeenCalled();
  });

  it("a remote DOCKER_HOST means this machine's GPU says nothing: CPU, with the reason", async () => {
    const query = vi.fn(async () => probe(NVIDIA));
    const d = await detectOllamaGpu(
      parseSettings({}, "local"),
      query,
      { DOCKER_HOST: "ssh://me@gpu-box" },
      "linux",
    );
    expect(query).not.toHaveBeenCalled();
    expect(d.mode).toBe("cpu");
    expect(d.reason).toContain("ssh://me@gpu-box");
  });
});

describe("the default query is systeminformation's graphics()", () => {
  // Stands in for the library, so the answer does not depend on this machine's GPU.
  afterEach(() => {
    vi.doUnmock("systeminformation");
    vi.resetModules();
  });

  it("hands its controllers to the decision", async () => {
    vi.doMock("systeminformation", () => ({ graphics: async () => probe(INTEL, NVIDIA) }));
    const d = await detectOllamaGpu(parseSettings({}, "local"), queryGraphics, {}, "linux");
    expect(d.mode).toBe("nvidia");
    expect(d.reason).toMatch(/GeForce RTX 4070/);
  });

  it("turns a failing query into CPU, with the reason", async () => {
    vi.doMock("systeminformation", () => ({
      graphics: async () => {
        throw new Error("spawn lspci ENOENT");
      },
    }));
    expect(await queryGraphics()).toEqual(new Error("spawn lspci ENOENT"));
    const d = await detectOllamaGpu(parseSettings({}, "local"), queryGraphics, {}, "linux");
    expect(d.mode).toBe("cpu");
    expect(d.reason).toMatch(/graphics query failed \(spawn lspci ENOENT\)/);
  });
});
