/**
 * Whether a CUDA device is visible to this process: the GPU backend (@tensorflow/tfjs-node-gpu) is chosen only
 * then. Without one, loading its libtensorflow would still succeed on the CPU and skip the workbook's own
 * fused kernels, so a machine without a GPU never selects it.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface CudaDevices {
  visible: boolean;
  /** What was found, or why none counts: for the backend report. */
  reason: string;
}

/**
 * Looks for NVIDIA GPUs as the driver lists them (`/proc/driver/nvidia/gpus/*`, else `/dev/nvidia0`),
 * honouring CUDA_VISIBLE_DEVICES ("" or "-1" hide every device). `root` and `env` are for tests.
 */
export function cudaDevices(root = "/", env: NodeJS.ProcessEnv = process.env): CudaDevices {
  const hidden = env.CUDA_VISIBLE_DEVICES;
  if (hidden !== undefined && (hidden.trim() === "" || hidden.trim() === "-1"))
    return { visible: false, reason: `CUDA_VISIBLE_DEVICES=${JSON.stringify(hidden)} hides every GPU` };
  const listed = path.join(root, "proc/driver/nvidia/gpus");
  let gpus: string[] = [];
  try {
    gpus = fs.readdirSync(listed);
  } catch {
    // no NVIDIA driver loaded
  }
  if (gpus.length > 0)
    return { visible: true, reason: `${gpus.length} NVIDIA GPU${gpus.length === 1 ? "" : "s"} (${listed})` };
  if (fs.existsSync(path.join(root, "dev/nvidia0"))) return { visible: true, reason: "an NVIDIA GPU (/dev/nvidia0)" };
  return { visible: false, reason: "no CUDA device visible (no NVIDIA driver lists a GPU)" };
}
