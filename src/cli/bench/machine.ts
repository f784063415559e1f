/**
 * The machine the benchmarks run on: its peak float32 throughput (from the CPU's flags and clock) and the
 * CPU time other processes took while a benchmark ran.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { spawnSync } from "node:child_process";

export interface MachinePeak {
  /** cores x simdLanes x fmaUnits x 2 x ghz. */
  gflops: number;
  /** Logical CPUs (os.cpus().length). */
  cores: number;
  /** float32 lanes of the widest SIMD unit the CPU flags name (avx512f 16, avx2/avx 8, sse/NEON 4). */
  simdLanes: number;
  /** The flag the lanes came from. */
  simd: string;
  /** FMA units per core: assumed, not measured. */
  fmaUnits: number;
  ghz: number;
  /** Where the clock and flags came from. */
  source: string;
  assumption: string;
}

/** Peak from the text of /proc/cpuinfo (and lscpu's, for the clock when cpuinfo has none). */
export function machinePeak(
  cpuinfo: string,
  cores: number,
  options: { lscpu?: string; fallbackMHz?: number; fmaUnits?: number } = {},
): MachinePeak {
  const flagsLine = /^(?:flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo);
  const flags = new Set((flagsLine?.[1] ?? "").trim().split(/\s+/));
  const widths: Array<[string, number]> = [
    ["avx512f", 16],
    ["avx2", 8],
    ["avx", 8],
    ["sse", 4],
    ["asimd", 4],
    ["neon", 4],
  ];
  const [simd, simdLanes] = widths.find(([flag]) => flags.has(flag)) ?? ["scalar", 1];
  const cpuMHz = [...cpuinfo.matchAll(/^cpu MHz\s*:\s*([\d.]+)/gm)].map((m) => Number(m[1])).filter((x) => x > 0);
  let mhz = 0;
  let clockFrom = "";
  if (cpuMHz.length) {
    mhz = Math.max(...cpuMHz);
    clockFrom = "/proc/cpuinfo cpu MHz";
  } else {
    const l = options.lscpu ?? "";
    const fromLscpu = Number(/^CPU max MHz:\s*([\d.]+)/m.exec(l)?.[1] ?? /^CPU MHz:\s*([\d.]+)/m.exec(l)?.[1] ?? NaN);
    if (fromLscpu > 0) {
      mhz = fromLscpu;
      clockFrom = "lscpu";
    } else if ((options.fallbackMHz ?? 0) > 0) {
      mhz = options.fallbackMHz!;
      clockFrom = "os.cpus() speed";
    }
  }
  const fmaUnits = options.fmaUnits ?? 2;
  const ghz = mhz / 1000;
  const gflops = cores * simdLanes * fmaUnits * 2 * ghz;
  return {
    gflops: Number(gflops.toFixed(1)),
    cores,
    simdLanes,
    simd,
    fmaUnits,
    ghz: Number(ghz.toFixed(3)),
    source: `${flagsLine ? `/proc/cpuinfo flags (${simd})` : "no CPU flags found"}, clock from ${clockFrom || "nowhere (peak unknown)"}`,
    assumption: `${fmaUnits} FMA units per core (assumed), 2 flops per FMA, every logical CPU counted as a core, the clock as reported (no turbo)`,
  };
}

/** This machine's peak, from /proc/cpuinfo (or lscpu, or os.cpus()). */
export function thisMachinePeak(): MachinePeak {
  let cpuinfo = "";
  try {
    cpuinfo = fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    // not Linux
  }
  const needLscpu = !/^cpu MHz\s*:/m.test(cpuinfo);
  const lscpu = needLscpu ? (spawnSync("lscpu", [], { encoding: "utf8" }).stdout ?? "") : "";
  return machinePeak(cpuinfo, os.cpus().length, { lscpu, fallbackMHz: os.cpus()[0]?.speed });
}

/**
 * CPU seconds that every process of the machine has spent so far (Linux /proc/stat, USER_HZ 100), or
 * undefined. Its difference over a run, less the run's own CPU time, is what other processes took meanwhile.
 */
function machineCpuSeconds(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = fs
      .readFileSync("/proc/stat", "utf8")
      .split("\n")[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq + (steal || 0)) / 100;
  } catch {
    return undefined;
  }
}

/** CPU seconds of this process so far (all its threads). */
function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Starts counting the CPU time of other processes; the function it returns gives their CPU seconds since
 * the start (undefined where /proc/stat cannot be read). A benchmark that shared the machine says so.
 */
export function otherProcessesCpu(): () => number | undefined {
  const machineStart = machineCpuSeconds();
  const ownStart = ownCpuSeconds();
  return () => {
    const machineNow = machineCpuSeconds();
    if (machineStart === undefined || machineNow === undefined) return undefined;
    return Math.max(0, machineNow - machineStart - (ownCpuSeconds() - ownStart));
  };
}
